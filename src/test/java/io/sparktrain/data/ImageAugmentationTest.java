package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ImageAugmentation}: seeded, label-preserving shifts and rotations that only move pixels. */
class ImageAugmentationTest {
    private static final int SIDE = 12;

    /** Three 12x12 images of distinct values (1..144 scaled), labels 3, 5, 7. */
    private static ExampleSet images() {
        int n = 3;
        float[] x = new float[n * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % (SIDE * SIDE) + 1) / 1000f + (i / (SIDE * SIDE));
        }
        return new ExampleSet(x, new int[] {3, 5, 7}, new int[] {1, SIDE, SIDE}, 10);
    }

    private static float[] source(ExampleSet set, int label) {
        for (int i = 0; i < set.size(); i++) {
            if (set.label(i) == label) {
                return Arrays.copyOfRange(set.features(), i * SIDE * SIDE, (i + 1) * SIDE * SIDE);
            }
        }
        throw new AssertionError(label);
    }

    @Test
    void withNoShiftAndNoRotationEachNewImageIsItsSourceUnchanged() {
        ExampleSet set = images();
        ImageAugmentation none = new ImageAugmentation(set, 0, 0, 7);
        float[] pixels = new float[SIDE * SIDE];
        for (long i = 0; i < 20; i++) {
            int label = none.image(i, pixels);
            assertArrayEquals(source(set, label), pixels);
        }
    }

    @Test
    void aShiftOnlyImageIsItsSourceMovedByAtMostTwoPixelsWithBackgroundFilledIn() {
        ExampleSet set = images();
        ImageAugmentation shifts = new ImageAugmentation(set, 2, 0, 7);
        float[] pixels = new float[SIDE * SIDE];
        Set<String> seen = new HashSet<>();
        for (long i = 0; i < 60; i++) {
            float[] from = source(set, shifts.image(i, pixels));
            String found = null;
            for (int dy = -2; dy <= 2 && found == null; dy++) {
                for (int dx = -2; dx <= 2 && found == null; dx++) {
                    if (Arrays.equals(shifted(from, dx, dy), pixels)) {
                        found = dx + "," + dy;
                    }
                }
            }
            assertTrue(found != null, "image " + i + " is not a shift of its source");
            seen.add(found);
        }
        assertTrue(seen.size() > 5, "shifts vary: " + seen);
    }

    private static float[] shifted(float[] image, int dx, int dy) {
        float[] out = new float[image.length];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int sx = x - dx;
                int sy = y - dy;
                out[y * SIDE + x] = sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE ? image[sy * SIDE + sx] : 0f;
            }
        }
        return out;
    }

    @Test
    void rotatedImagesAreSeededAndTakeEveryValueFromTheirSource() {
        ExampleSet set = images();
        ImageAugmentation a = new ImageAugmentation(set, 2, 12, 99);
        ImageAugmentation b = new ImageAugmentation(set, 2, 12, 99);
        float[] p = new float[SIDE * SIDE];
        float[] q = new float[SIDE * SIDE];
        int differ = 0;
        for (long i = 0; i < 40; i++) {
            int label = a.image(i, p);
            assertEquals(label, b.image(i, q));
            assertArrayEquals(p, q, "same seed, same image " + i);
            Set<Float> allowed = new HashSet<>();
            for (float v : source(set, label)) {
                allowed.add(v);
            }
            allowed.add(0f);
            for (float v : p) {
                assertTrue(allowed.contains(v), "value " + v + " of image " + i + " is not from its source");
            }
            differ += Arrays.equals(p, source(set, label)) ? 0 : 1;
        }
        assertTrue(differ > 30, "most images are changed: " + differ);
        new ImageAugmentation(set, 2, 12, 100).image(0, q);
        a.image(0, p);
        assertNotEquals(Arrays.toString(p), Arrays.toString(q), "another seed, another image");
    }

    @Test
    void refusesMultiChannelImagesAndBadRanges() {
        ExampleSet rgb = new ExampleSet(new float[12], new int[] {0}, new int[] {3, 2, 2}, 2);
        assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(rgb, 1, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(images(), -1, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(images(), 1, 181, 1));
    }
}
