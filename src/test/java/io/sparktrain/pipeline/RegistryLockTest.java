package io.sparktrain.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry lock on the local file system: one holder at a time, waits, stale locks broken, leases renewed. */
class RegistryLockTest {
    @TempDir
    Path tmp;

    private org.apache.hadoop.fs.Path lockFile() {
        return new org.apache.hadoop.fs.Path(tmp.toUri().toString(), "lock.json");
    }

    private FileSystem fs() throws Exception {
        return lockFile().getFileSystem(new Configuration());
    }

    @Test
    void aHeldLockRefusesASecondRunWithItsOwnerAndLetsItInOnceReleased() throws Exception {
        FileSystem fs = fs();
        RegistryLock first = RegistryLock.acquire(fs, lockFile(), 60, 0);
        RegistryLockedException e = assertThrows(RegistryLockedException.class,
                () -> RegistryLock.acquire(fs, lockFile(), 60, 1));
        assertTrue(e.getMessage().contains("is locked by another run") && e.getMessage().contains("pid "),
                e.getMessage());
        assertTrue(first.held());
        first.close();
        assertFalse(Files.exists(tmp.resolve("lock.json")));
        try (RegistryLock second = RegistryLock.acquire(fs, lockFile(), 60, 0)) {
            assertTrue(second.held());
        }
    }

    @Test
    void aStaleLockLeftByAKilledRunIsBroken() throws Exception {
        // What a killed run leaves: a lock whose lease ran out a minute ago.
        Files.writeString(tmp.resolve("lock.json"), "{\"owner\":\"dead\",\"host\":\"gone\",\"pid\":1,\"renewed\":0,"
                + "\"expires\":" + (System.currentTimeMillis() - 60_000) + "}");
        try (RegistryLock lock = RegistryLock.acquire(fs(), lockFile(), 60, 0)) {
            assertTrue(lock.held());
            assertFalse(Files.readString(tmp.resolve("lock.json")).contains("dead"));
        }
        // A half-written lock (killed while creating it) counts as held for one lease after it was written.
        Files.writeString(tmp.resolve("lock.json"), "{\"owner\":");
        assertThrows(RegistryLockedException.class, () -> RegistryLock.acquire(fs(), lockFile(), 60, 0));
        Files.setLastModifiedTime(tmp.resolve("lock.json"), java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 120_000));
        try (RegistryLock lock = RegistryLock.acquire(fs(), lockFile(), 60, 0)) {
            assertTrue(lock.held());
        }
    }

    @Test
    void theHolderRenewsItsLeaseSoALongRunIsNotMistakenForAStaleOne() throws Exception {
        FileSystem fs = fs();
        try (RegistryLock lock = RegistryLock.acquire(fs, lockFile(), 3, 0)) {
            Thread.sleep(4500); // longer than the lease: only renewal keeps it
            assertThrows(RegistryLockedException.class, () -> RegistryLock.acquire(fs, lockFile(), 3, 0));
            assertTrue(lock.held());
        }
    }

    @Test
    void manyRunsAtOnceHoldTheLockOneAtATime() throws Exception {
        FileSystem fs = fs();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 6; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    try (RegistryLock lock = RegistryLock.acquire(fs, lockFile(), 60, 60)) {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        Thread.sleep(100);
                        inside.decrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(1, most.get());
    }
}
