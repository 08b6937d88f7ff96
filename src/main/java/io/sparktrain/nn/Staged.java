package io.sparktrain.nn;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;

/**
 * A memory in the layout its owner keeps it in ({@link #user}: usually a DL4J array whose handle is set per call)
 * and its copy in the layout a oneDNN primitive wants ({@link #inner}), with the reorders between them. When the two
 * layouts are equal both names refer to one memory and nothing is copied. Each reorder is created on its first use,
 * so a direction never used is never built (oneDNN 2.5 cannot create every reorder out of a packed layout).
 */
final class Staged {
    final memory user;
    final memory inner;
    private reorder toInner;
    private reorder toUser;

    private Staged(memory user, memory inner) {
        this.user = user;
        this.inner = inner;
    }

    /** A caller's array in {@code userDesc} (handle set per call), copied into the layout {@code wanted}. */
    static Staged borrowing(engine engine, memory.desc userDesc, memory.desc wanted) {
        memory user = new memory(userDesc, engine, null);
        return new Staged(user, userDesc.equals(wanted) ? user : new memory(wanted, engine));
    }

    /** A memory the plan owns, copied into the layout {@code wanted} when it differs. */
    static Staged of(engine engine, memory user, memory.desc wanted) {
        return new Staged(user, user.get_desc().equals(wanted) ? user : new memory(wanted, engine));
    }

    /**
     * A primitive's result {@code inner}, copied out into {@code userDesc}: a caller's array (handle set per call)
     * when {@code borrowed}, else a memory of its own.
     */
    static Staged outOf(engine engine, memory inner, memory.desc userDesc, boolean borrowed) {
        memory user = inner.get_desc().equals(userDesc) ? inner
                : borrowed ? new memory(userDesc, engine, null) : new memory(userDesc, engine);
        return new Staged(user, inner);
    }

    /** Copies {@link #user} into {@link #inner}. */
    void toInner(stream s) {
        if (user != inner) {
            if (toInner == null) {
                toInner = new reorder(user, inner);
            }
            toInner.execute(s, user, inner);
        }
    }

    /** Copies {@link #inner} into {@link #user}. */
    void toUser(stream s) {
        if (user != inner) {
            if (toUser == null) {
                toUser = new reorder(inner, user);
            }
            toUser.execute(s, inner, user);
        }
    }
}
