package io.sparktrain.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A set of example indices held as ascending, disjoint, non-adjacent ranges {@code [start(i), end(i))}: what a shard
 * asks of a source, so that a format that can seek reads only those ranges' bytes.
 */
public final class IndexRanges implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] starts;
    private final int[] ends;

    private IndexRanges(int[] starts, int[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    /** The single range {@code [from, to)} (none when {@code from == to}). */
    public static IndexRanges of(int from, int to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ")");
        }
        return from == to ? new IndexRanges(new int[0], new int[0]) : new IndexRanges(new int[] {from},
                new int[] {to});
    }

    /**
     * The union of ranges {@code [starts[i], ends[i])}, given in any order; they must not overlap. Adjacent ranges
     * are merged and empty ones dropped.
     *
     * @throws IllegalArgumentException when two ranges overlap or one is negative or reversed
     */
    public static IndexRanges union(int[] starts, int[] ends) {
        Integer[] order = new Integer[starts.length];
        for (int i = 0; i < order.length; i++) {
            if (starts[i] < 0 || ends[i] < starts[i]) {
                throw new IllegalArgumentException("range [" + starts[i] + ", " + ends[i] + ")");
            }
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(starts[a], starts[b]));
        int[] s = new int[starts.length];
        int[] e = new int[starts.length];
        int n = 0;
        for (int i : order) {
            if (starts[i] == ends[i]) {
                continue;
            }
            if (n > 0 && starts[i] < e[n - 1]) {
                throw new IllegalArgumentException("ranges overlap at " + starts[i]);
            }
            if (n > 0 && starts[i] == e[n - 1]) {
                e[n - 1] = ends[i];
            } else {
                s[n] = starts[i];
                e[n] = ends[i];
                n++;
            }
        }
        return new IndexRanges(Arrays.copyOf(s, n), Arrays.copyOf(e, n));
    }

    /** Number of ranges. */
    public int count() {
        return starts.length;
    }

    /** First index of range {@code i}. */
    public int start(int i) {
        return starts[i];
    }

    /** One past the last index of range {@code i}. */
    public int end(int i) {
        return ends[i];
    }

    /** Number of indices in all ranges. */
    public int size() {
        int n = 0;
        for (int i = 0; i < starts.length; i++) {
            n += ends[i] - starts[i];
        }
        return n;
    }

    /** One past the largest index (0 when empty). */
    public int limit() {
        return starts.length == 0 ? 0 : ends[ends.length - 1];
    }

    /** Every index, ascending. */
    public int[] indices() {
        int[] all = new int[size()];
        int k = 0;
        for (int i = 0; i < starts.length; i++) {
            for (int j = starts[i]; j < ends[i]; j++) {
                all[k++] = j;
            }
        }
        return all;
    }

    /**
     * The part of these ranges within {@code [from, to)}, shifted by {@code -from}: what a reader of a file holding
     * indices {@code [from, to)} is asked for.
     */
    public IndexRanges within(int from, int to) {
        int[] s = new int[starts.length];
        int[] e = new int[starts.length];
        int n = 0;
        for (int i = 0; i < starts.length; i++) {
            int a = Math.max(starts[i], from);
            int b = Math.min(ends[i], to);
            if (a < b) {
                s[n] = a - from;
                e[n] = b - from;
                n++;
            }
        }
        return new IndexRanges(Arrays.copyOf(s, n), Arrays.copyOf(e, n));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IndexRanges r && Arrays.equals(starts, r.starts) && Arrays.equals(ends, r.ends);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(starts) + Arrays.hashCode(ends);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < starts.length; i++) {
            b.append(i == 0 ? "" : " ").append('[').append(starts[i]).append(", ").append(ends[i]).append(')');
        }
        return starts.length == 0 ? "(none)" : b.toString();
    }
}
