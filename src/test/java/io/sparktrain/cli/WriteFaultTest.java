package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.RealMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FullDiskFileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up while a run writes (Hadoop's own {@code FSError}, through a file system that fails the Nth
 * write of a file): exit 5 naming the path, the previous checkpoint intact, no half-written run folder, and the run
 * resumable once there is room again.
 */
class WriteFaultTest {
    @TempDir
    static Path tmp;
    private static final CliRun CLI = new CliRun();
    private static String mnist;

    @BeforeAll
    static void data() {
        mnist = RealMnist.dir();
    }

    @AfterEach
    void room() {
        FullDiskFileSystem.clear();
    }

    /** 640 examples, 2 workers x 32, averaging every 2: 5 rounds per epoch, checkpoints every 2 rounds. */
    private static String[] job(String out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "conf/mnist-cnn.conf", "--set", "data.dir=" + mnist,
                "--set", "data.trainLimit=640", "--set", "data.testLimit=128", "--set", "training.epochs=2",
                "--set", "training.averagingFrequency=2", "--set", "checkpoint.everyRounds=2", "--out", out));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void aCheckpointWriteOnAFullDiskExits5NamingItAndKeepsThePreviousOne() throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("checkpoint-fault"));
        FullDiskFileSystem.fillUpAt("state.bin", 2);
        assertEquals(ExitCode.OUTPUT, CLI.run(job("fulldisk://" + parent.resolve("run"))));
        String err = CLI.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.matches("sparktrain: output: writing checkpoint fulldisk:.*/run\\.checkpoints/ckpt-000004: "
                + "No space left on device"), err);
        assertEquals(List.of("run.checkpoints"), names(parent), "no run folder, staged or final");
        assertEquals(List.of("ckpt-000002"), names(parent.resolve("run.checkpoints")),
                "the previous checkpoint stays, the failed one's staging is gone");
        assertTrue(Files.size(parent.resolve("run.checkpoints/ckpt-000002/state.bin")) > 1000);
    }

    @Test
    void aModelWriteOnAFullDiskExits5KeepsTheCheckpointsAndTheRunResumesWhenThereIsRoom() throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("model-fault"));
        String out = "fulldisk://" + parent.resolve("run");
        FullDiskFileSystem.fillUpAt("model.zip", 1);
        assertEquals(ExitCode.OUTPUT, CLI.run(job(out)));
        String err = CLI.stderr().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("sparktrain: output: writing fulldisk:") && err.contains("/run: ")
                && err.endsWith("No space left on device"), err);
        assertEquals(List.of("run.checkpoints"), names(parent), "no half-written run");

        FullDiskFileSystem.clear();
        assertEquals(ExitCode.OK, CLI.run(job(out, "--resume")), CLI.stderr());
        assertEquals(List.of("run"), names(parent), "the run, and its checkpoints removed");
        for (String f : List.of("model.zip", "metrics.json", "config.conf", "metrics.jsonl")) {
            assertTrue(Files.size(parent.resolve("run").resolve(f)) > 0, f);
        }
    }

    /** The names in {@code dir}, Hadoop's CRC files aside, sorted. */
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).sorted().toList();
        }
    }
}
