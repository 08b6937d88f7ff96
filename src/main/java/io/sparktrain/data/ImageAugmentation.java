package io.sparktrain.data;

import java.util.SplittableRandom;

/**
 * New training images made from existing ones by a small random shift and rotation, for growing a data set (the
 * 1,000,000-row Parquet run) without changing what its images look like. Each new image is a seeded function of
 * its index: a source image chosen at random, rotated about its centre by up to {@code maxDegrees} either way and
 * shifted by up to {@code maxShift} pixels along each axis. Pixels are sampled by nearest neighbour, so every output
 * value is one of the source's values (and areas rotated in from outside the image are 0, the background).
 */
public final class ImageAugmentation {
    private final ExampleSet source;
    private final int maxShift;
    private final double maxRadians;
    private final long seed;

    /**
     * @param source single-channel images {@code [1, height, width]}
     * @param maxShift largest shift in pixels, each axis, {@code >= 0}
     * @param maxDegrees largest rotation either way, in {@code [0, 180]}
     * @param seed seed of every choice
     */
    public ImageAugmentation(ExampleSet source, int maxShift, double maxDegrees, long seed) {
        if (source.exampleShape()[0] != 1) {
            throw new IllegalArgumentException("augmentation takes single-channel images, got shape "
                    + java.util.Arrays.toString(source.exampleShape()));
        }
        if (source.size() == 0 || maxShift < 0 || !(maxDegrees >= 0 && maxDegrees <= 180)) {
            throw new IllegalArgumentException("need images, maxShift >= 0 and maxDegrees in [0, 180]; got "
                    + source.size() + " images, " + maxShift + ", " + maxDegrees);
        }
        this.source = source;
        this.maxShift = maxShift;
        this.maxRadians = Math.toRadians(maxDegrees);
        this.seed = seed;
    }

    /**
     * New image number {@code index} into {@code pixels} (length {@code height * width}).
     *
     * @return its label, the source image's
     */
    public int image(long index, float[] pixels) {
        SplittableRandom random = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
        int from = random.nextInt(source.size());
        int dx = random.nextInt(2 * maxShift + 1) - maxShift;
        int dy = random.nextInt(2 * maxShift + 1) - maxShift;
        double angle = (random.nextDouble() * 2 - 1) * maxRadians;
        int height = source.exampleShape()[1];
        int width = source.exampleShape()[2];
        float[] all = source.features();
        int base = from * height * width;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double cy = (height - 1) / 2.0;
        double cx = (width - 1) / 2.0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                // Inverse map: where in the source the output pixel (y, x) comes from.
                double u = x - dx - cx;
                double v = y - dy - cy;
                long sx = Math.round(cos * u + sin * v + cx);
                long sy = Math.round(-sin * u + cos * v + cy);
                pixels[y * width + x] = sx >= 0 && sx < width && sy >= 0 && sy < height
                        ? all[base + (int) sy * width + (int) sx] : 0f;
            }
        }
        return source.label(from);
    }
}
