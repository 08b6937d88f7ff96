package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class ShardPlanTest {

    @Test
    void shardsAreBalancedDisjointAndCoverEveryExample() {
        ShardPlan plan = new ShardPlan(103, 4, 8, 7);
        BitSet seen = new BitSet();
        for (int s = 0; s < 4; s++) {
            int[] indices = plan.shardIndices(s);
            assertEquals(plan.shardSize(s), indices.length);
            assertTrue(indices.length == 25 || indices.length == 26, "size " + indices.length);
            for (int i : indices) {
                assertFalse(seen.get(i), "example " + i + " in two shards");
                seen.set(i);
            }
        }
        assertEquals(103, seen.cardinality());
    }

    @Test
    void shardsAreRangesDealtFromTheWholeStoredOrder() {
        ShardPlan plan = new ShardPlan(60000, 2, 32, 7);
        assertEquals(235, ShardPlan.blockSize(60000));
        assertEquals(256, plan.blocks());
        for (int s = 0; s < 2; s++) {
            IndexRanges r = plan.ranges(s);
            assertTrue(r.count() >= 64 && r.count() <= 129, "ranges " + r.count());
            assertArrayEquals(r.indices(), plan.shardIndices(s));
            // Each tenth of the stored order gives the shard about its share: not one stretch of the data.
            int[] perTenth = new int[10];
            for (int i : r.indices()) {
                perTenth[i / 6000]++;
            }
            for (int t = 0; t < 10; t++) {
                assertTrue(perTenth[t] > 2000 && perTenth[t] < 4000, "tenth " + t + ": " + perTenth[t]);
            }
        }
        assertEquals(ShardPlan.MAX_BLOCK, ShardPlan.blockSize(10_000_000));
        assertEquals(2, new ShardPlan(103, 4, 8, 7).blocks(), "blocks of MIN_BLOCK in a small set");
    }

    @Test
    void coarseUnitsOfASourceAreKeptWholeExceptWhereTheCutFallsInOne() {
        int[] rowGroups = {0, 400, 1000, 1200, 1700, 2100, 2500, 2800};
        ShardPlan plan = ShardPlan.of(3000, rowGroups, 3, 8, 5);
        assertEquals(8, plan.blocks(), "units of 375 rows on average against a grid of 64: the units");
        int split = 0;
        for (int s = 0; s < 3; s++) {
            assertEquals(1000, plan.shardSize(s));
            IndexRanges r = plan.ranges(s);
            for (int i = 0; i < r.count(); i++) {
                boolean startsAtGroup = Arrays.binarySearch(rowGroups, r.start(i)) >= 0;
                boolean endsAtGroup = r.end(i) == 3000 || Arrays.binarySearch(rowGroups, r.end(i)) >= 0;
                split += (startsAtGroup ? 0 : 1) + (endsAtGroup ? 0 : 1);
            }
        }
        assertTrue(split <= 4, "two cuts split at most two row groups, each in two places: " + split);
        // Units as fine as the grid, or fewer than the shards, give the grid: the plan a source without units gets.
        int[] fine = java.util.stream.IntStream.range(0, 900 / 32).map(i -> i * 32).toArray();
        assertArrayEquals(new ShardPlan(900, 3, 8, 5).shardIndices(1), ShardPlan.of(900, fine, 3, 8, 5)
                .shardIndices(1));
        assertArrayEquals(new ShardPlan(900, 3, 8, 5).shardIndices(1), ShardPlan.of(900, new int[] {0, 450}, 3,
                8, 5).shardIndices(1));
        assertThrows(IllegalArgumentException.class, () -> new ShardPlan(900, new int[] {5, 10}, 3, 8, 5));
    }

    @Test
    void sameOrdersForTheSameSeedAndOthersForAnother() {
        assertArrayEquals(new ShardPlan(1000, 3, 10, 1).epochOrder(2, 0), new ShardPlan(1000, 3, 10, 1).epochOrder(2, 0));
        assertFalse(Arrays.equals(new ShardPlan(1000, 3, 10, 1).epochOrder(2, 0),
                new ShardPlan(1000, 3, 10, 2).epochOrder(2, 0)));
        // The seed deals the blocks too.
        assertFalse(Arrays.equals(new ShardPlan(1000, 3, 10, 1).shardIndices(2),
                new ShardPlan(1000, 3, 10, 2).shardIndices(2)));
    }

    @Test
    void eachEpochVisitsTheWholeShardInANewOrder() {
        ShardPlan plan = new ShardPlan(1000, 2, 10, 5);
        int[] e0 = plan.epochOrder(1, 0);
        int[] e1 = plan.epochOrder(1, 1);
        assertFalse(Arrays.equals(e0, e1));
        int[] sorted = e1.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
    }

    @Test
    void lastMinibatchOfAShardMayBeSmaller() {
        ShardPlan plan = new ShardPlan(21, 2, 4, 0); // shards of 11 and 10
        assertEquals(3, plan.batchesPerEpoch(0));
        assertEquals(3, plan.batchesPerEpoch(1));
        assertEquals(3, plan.maxBatchesPerEpoch());
    }
}
