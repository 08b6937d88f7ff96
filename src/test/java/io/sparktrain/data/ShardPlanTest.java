package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void shardsAreContiguousBlocksInStoredOrder() {
        ShardPlan plan = new ShardPlan(103, 4, 8, 7); // 26, 26, 26, 25
        assertEquals(0, plan.shardStart(0));
        assertEquals(26, plan.shardEnd(0));
        assertEquals(78, plan.shardStart(3));
        assertEquals(103, plan.shardEnd(3));
        for (int s = 0; s < 4; s++) {
            int[] indices = plan.shardIndices(s);
            for (int i = 0; i < indices.length; i++) {
                assertEquals(plan.shardStart(s) + i, indices[i]);
            }
            if (s > 0) {
                assertEquals(plan.shardEnd(s - 1), plan.shardStart(s));
            }
        }
    }

    @Test
    void sameOrdersForTheSameSeedAndOthersForAnother() {
        assertArrayEquals(new ShardPlan(1000, 3, 10, 1).epochOrder(2, 0), new ShardPlan(1000, 3, 10, 1).epochOrder(2, 0));
        assertFalse(Arrays.equals(new ShardPlan(1000, 3, 10, 1).epochOrder(2, 0),
                new ShardPlan(1000, 3, 10, 2).epochOrder(2, 0)));
        // The seed shuffles the visiting order, not the blocks.
        assertArrayEquals(new ShardPlan(1000, 3, 10, 1).shardIndices(2), new ShardPlan(1000, 3, 10, 2).shardIndices(2));
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
