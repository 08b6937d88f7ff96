package io.sparktrain;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** The Spark settings every test uses: real Spark, local mode, loopback only, no UI. */
public final class SparkTestContext {
    private SparkTestContext() {
    }

    /** Settings for {@code local[2]} (or {@code master}). */
    public static SparkConf conf(String master) {
        return new SparkConf().setMaster(master).setAppName("sparktrain-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
    }

    /** A new {@code local[2]} context; close it in {@code @AfterAll}. */
    public static JavaSparkContext local2() {
        return new JavaSparkContext(conf("local[2]"));
    }
}
