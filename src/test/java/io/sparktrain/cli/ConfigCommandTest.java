package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad job files and command lines end to end through {@link Main#run}, with the {@code config} command (no Spark):
 * exit code 2 and one line on stderr.
 */
class ConfigCommandTest {
    @TempDir
    Path tmp;
    private final CliRun cli = new CliRun();

    /** Runs the command, expects exit 2 and one stderr line, and returns that line without the prefix. */
    private String usageError(String... args) {
        assertEquals(ExitCode.USAGE, cli.run(args), cli.stderr());
        assertEquals(1, cli.stderr().lines().count(), cli.stderr());
        String line = cli.stderr().strip();
        assertTrue(line.startsWith("sparktrain: "), line);
        return line.substring("sparktrain: ".length());
    }

    @Test
    void theConfigCommandFollowsIncludesBesideTheJobFile() throws IOException {
        Files.writeString(tmp.resolve("base.conf"), "training.epochs = 7\n");
        Path job = Files.writeString(tmp.resolve("job.conf"), "include \"base.conf\"\nname = inc\n");
        assertEquals(ExitCode.OK, cli.run("config", job.toString(), "--get", "training.epochs", "--get", "name"),
                cli.stderr());
        assertEquals("7\ninc", cli.stdout().strip());
    }

    @Test
    void getOfAnUnknownKeyNamesTheNearestKnownKey() throws IOException {
        Path job = Files.writeString(tmp.resolve("job.conf"), "name = x\n");
        assertEquals("--get training.epoch: no such key (did you mean training.epochs?)",
                usageError("config", job.toString(), "--get", "training.epoch"));
        assertEquals("--get nothing.here: no such key", usageError("config", job.toString(), "--get", "nothing.here"));
        assertEquals("--get a..b: no such key", usageError("config", job.toString(), "--get", "a..b"));
    }

    @Test
    void badJobFilesAndSettingsAreExitTwoWithOneLine() throws IOException {
        Path job = Files.writeString(tmp.resolve("job.conf"), "name = x\n");
        assertEquals("training.epochs must be a whole number, got 1.5",
                usageError("config", job.toString(), "--set", "training.epochs=1.5"));
        assertEquals("unknown key training.epoch (did you mean training.epochs?) in --set training.epoch=3: 1",
                usageError("config", job.toString(), "--set", "training.epoch=3"));
        assertEquals("--set training.epochs= has no value; write --set training.epochs=VALUE (\"\" for an empty "
                + "string)", usageError("config", job.toString(), "--set", "training.epochs="));
        assertTrue(usageError("config", job.toString(), "--set", "training=5").startsWith("training is a section"));
        assertEquals("config file " + tmp + " is a directory, not a job file", usageError("config", tmp.toString()));
        Path required = Files.writeString(tmp.resolve("req.conf"), "include required(\"base.conf\")\nname = x\n");
        assertEquals("config file " + tmp.resolve("base.conf") + " (included by " + required + ") not found",
                usageError("config", required.toString()));
    }

    @Test
    void deepNestingIsExitTwoNotAStackOverflow() throws IOException {
        Path deep = Files.writeString(tmp.resolve("deep.conf"), "{".repeat(5000) + "}".repeat(5000));
        assertEquals("config file " + deep + ": line 1 nests braces/brackets more than 64 deep",
                usageError("config", deep.toString()));
        Path dotted = Files.writeString(tmp.resolve("dotted.conf"), "name = x\n" + "a.".repeat(20000) + "a = 1\n");
        String message = usageError("config", dotted.toString());
        assertTrue(message.length() <= 300, message);
        // Deep --set values go through the same guard.
        Path job = Files.writeString(tmp.resolve("job.conf"), "name = x\n");
        message = usageError("config", job.toString(), "--set", "a" + ".a".repeat(20000) + "=1");
        assertTrue(message.length() <= 300, message);
    }

    @Test
    void makeControlChartsIntoAFolderInUseIsExitTwoLikeTrain() throws IOException {
        Path taken = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(taken.resolve("keep.txt"), "mine");
        assertEquals(taken + " already exists and is not an empty folder; choose another or remove it",
                usageError("make-control-charts", taken.toString(), "--train-per-class", "2", "--test-per-class", "1"));
        assertEquals("mine", Files.readString(taken.resolve("keep.txt")));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertEquals(file + " already exists and is not an empty folder; choose another or remove it",
                usageError("make-control-charts", file.toString()));
        // An empty folder is accepted, as train's --out accepts one.
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(ExitCode.OK, cli.run("make-control-charts", empty.toString(), "--train-per-class", "2",
                "--test-per-class", "1"), cli.stderr());
        assertTrue(Files.isDirectory(empty.resolve("train")));
        assertFalse(Files.list(tmp).anyMatch(p -> p.getFileName().toString().contains("inprogress")));
    }
}
