package io.sparktrain.training;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import org.bytedeco.javacpp.Pointer;

/**
 * One JVM's memory at the end of a round, for soak runs: growth per round or per epoch is a leak.
 *
 * @param heapUsedBytes heap in use now, garbage included: its floor over many rounds is the live heap
 * @param heapAfterGcBytes heap in use after each pool's most recent collection, summed over the heap's pools (G1
 *     updates its old generation's figure only after mixed and full collections, so this can lag)
 * @param heapCommittedBytes heap the JVM has taken from the operating system (part of the resident set)
 * @param javacppBytes off-heap bytes JavaCPP tracks (deallocator-owned pointers, oneDNN's buffers among them)
 * @param physicalBytes the process's resident set size, as JavaCPP reads it
 */
public record MemoryUse(long heapUsedBytes, long heapAfterGcBytes, long heapCommittedBytes, long javacppBytes,
                        long physicalBytes) implements Serializable {
    /** Not measured. */
    public static final MemoryUse NONE = new MemoryUse(0, 0, 0, 0, 0);

    /** This JVM, now. */
    public static MemoryUse now() {
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (afterGc != null) {
                heap += afterGc.getUsed();
            }
        }
        MemoryUsage now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new MemoryUse(now.getUsed(), heap, now.getCommitted(),
                Pointer.totalBytes(), Pointer.physicalBytes());
    }
}
