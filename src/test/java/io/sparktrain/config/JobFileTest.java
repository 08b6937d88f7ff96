package io.sparktrain.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job files on the local file system: includes, sizes, encodings and malformed text, each a one-line error. */
class JobFileTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    private static JobConfig load(Path job, String... overrides) {
        return JobConfigLoader.load(job.toString(), List.of(overrides), new Configuration());
    }

    private static String error(Path job, String... overrides) {
        String message = assertThrows(ConfigException.class, () -> load(job, overrides)).getMessage();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.length() <= ConfigException.MAX_MESSAGE, message.length() + ": " + message);
        return message;
    }

    @Test
    void includesResolveAgainstTheIncludingFilesFolder() throws IOException {
        write("jobs/base.conf", "training.epochs = 7\ninclude \"more/deeper.conf\"\n");
        write("jobs/more/deeper.conf", "training.workers = 3\n");
        write("elsewhere/abs.conf", "training.batchSizePerWorker = 16\n");
        write("jobs/filed.conf", "training.averagingFrequency = 2\n");
        Path job = write("jobs/job.conf", "include \"base.conf\"\n"
                + "include required(\"" + dir.resolve("elsewhere/abs.conf") + "\")\n"
                + "include required(file(\"filed.conf\"))\n"
                + "name = job\n");
        JobConfig config = load(job);
        assertEquals(7, config.training().epochs());
        assertEquals(3, config.training().workers(), "an include inside an include resolves against its own folder");
        assertEquals(16, config.training().batchSizePerWorker());
        assertEquals(2, config.training().averagingFrequency(), "file() resolves against the job file, not the cwd");
        assertEquals("local[3]", config.sparkMaster(), "substitutions see included values");
    }

    @Test
    void theJobFileOverridesItsIncludesAndSetOverridesBoth() throws IOException {
        write("base.conf", "training { epochs = 7, workers = 3 }\n");
        Path job = write("job.conf", "include \"base.conf\"\ntraining.epochs = 2\n");
        assertEquals(2, load(job).training().epochs());
        assertEquals(3, load(job).training().workers());
        assertEquals(5, load(job, "training.epochs=5").training().epochs());
    }

    @Test
    void aMissingRequiredIncludeNamesTheIncludeAndTheIncludingFile() throws IOException {
        Path job = write("job.conf", "include required(\"base.conf\")\nname = job\n");
        assertEquals("config file " + dir.resolve("base.conf") + " (included by " + job + ") not found", error(job));
        Path abs = write("abs.conf", "include required(file(\"" + dir.resolve("nope.conf") + "\"))\nname = job\n");
        assertEquals("config file " + dir.resolve("nope.conf") + " (included by " + abs + ") not found", error(abs));
    }

    @Test
    void anIncludeWithoutExtensionReadsTheConfJsonAndPropertiesFiles() throws IOException {
        write("base.conf", "training.epochs = 7\n");
        write("base.json", "{ \"training\": { \"epochs\": 8, \"workers\": 3 } }\n");
        write("base.properties", "training.workers = 4\ntraining.seed = 9\n");
        Path job = write("job.conf", "include \"base\"\nname = job\n");
        JobConfig config = load(job);
        assertEquals(7, config.training().epochs(), ".conf wins over .json");
        assertEquals(3, config.training().workers(), ".json wins over .properties");
        assertEquals(9, config.training().seed());
        Path missing = write("missing.conf", "include required(\"nothing\")\nname = job\n");
        assertEquals("config file " + dir.resolve("nothing") + " (.conf, .json or .properties) (included by "
                + missing + ") not found", error(missing));
    }

    @Test
    void aMissingPlainIncludeIsSkippedAsHoconSpecifies() throws IOException {
        Path job = write("job.conf", "include \"optional.conf\"\ntraining.epochs = 4\n");
        assertEquals(4, load(job).training().epochs());
    }

    @Test
    void anIncludeCycleIsOneLine() throws IOException {
        write("a.conf", "include \"b.conf\"\nname = a\n");
        write("b.conf", "include \"a.conf\"\n");
        assertTrue(error(dir.resolve("a.conf")).startsWith("include cycle: a.conf -> b.conf -> a.conf ("),
                error(dir.resolve("a.conf")));
        Path self = write("self.conf", "include \"self.conf\"\n");
        assertTrue(error(self).startsWith("include cycle: self.conf -> self.conf"));
        // A cycle through long folder names stays one short line.
        String deep = "d".repeat(200) + "/" + "e".repeat(200) + "/" + "f".repeat(200);
        write(deep + "/x.conf", "include \"y.conf\"\n");
        write(deep + "/y.conf", "include \"x.conf\"\n");
        assertTrue(error(dir.resolve(deep + "/x.conf")).startsWith("include cycle: x.conf -> y.conf -> x.conf"));
    }

    @Test
    void urlIncludesReadThroughHadoopToo() throws IOException {
        Path base = write("elsewhere/base.conf", "training.epochs = 6\n");
        Path job = write("job.conf", "include required(url(\"" + base.toUri() + "\"))\nname = u\n");
        assertEquals(6, load(job).training().epochs());
    }

    @Test
    void includesAreBoundedInDepthAndCount() throws IOException {
        // A chain 20 files deep (no cycle).
        for (int i = 0; i < 20; i++) {
            write("chain" + i + ".conf", "include required(\"chain" + (i + 1) + ".conf\")\nname = c\n");
        }
        write("chain20.conf", "name = end\n");
        assertTrue(error(dir.resolve("chain0.conf")).contains(": includes nest more than 16 deep"),
                error(dir.resolve("chain0.conf")));
        // Each file including the next one twice: 2^12 reads without a bound.
        for (int i = 0; i < 12; i++) {
            write("fan" + i + ".conf", ("include \"fan" + (i + 1) + ".conf\"\n").repeat(2) + "name = f\n");
        }
        write("fan12.conf", "name = end\n");
        assertTrue(error(dir.resolve("fan0.conf")).contains(": the job reads more than 100 included files"),
                error(dir.resolve("fan0.conf")));
    }

    @Test
    void includesAreBoundedInSize() throws IOException {
        Path zero = write("zero.conf", "include file(\"/dev/zero\")\nname = z\n");
        assertEquals("config file /dev/zero (included by " + zero + ") is larger than 1 MiB; a job file is a few "
                + "KB (wrong path?)", error(zero));
        byte[] big = new byte[JobFile.MAX_BYTES + 1];
        java.util.Arrays.fill(big, (byte) '#');
        Path huge = write("huge.conf", big);
        assertEquals("config file " + huge + " is larger than 1 MiB; a job file is a few KB (wrong path?)",
                error(huge));
        big[big.length - 1] = '\n';
        byte[] justFits = java.util.Arrays.copyOf(big, JobFile.MAX_BYTES);
        System.arraycopy("name = x\n".getBytes(StandardCharsets.UTF_8), 0, justFits, 0, 9);
        assertEquals("x", load(write("fits.conf", justFits)).name());
    }

    @Test
    void aDirectoryIsNotAJobFile() throws IOException {
        Files.createDirectories(dir.resolve("conf"));
        assertEquals("config file " + dir.resolve("conf") + " is a directory, not a job file",
                error(dir.resolve("conf")));
        Path job = write("job.conf", "include required(file(\"conf\"))\nname = x\n");
        assertEquals("config file " + dir.resolve("conf") + " (included by " + job + ") is a directory, not a job "
                + "file", error(job));
    }

    @Test
    void malformedTextIsOneLineNamingFileAndLine() throws IOException {
        Path braces = write("braces.conf", "name = x\ntraining {\n  epochs = 3\n");
        assertEquals("config file " + braces + ": line 2 opens a '{' or '[' that is never closed (the file ends "
                + "first)", error(braces));
        Path list = write("list.conf", "name = x\ntraining { epochs = 3 }\nmodel.layers = [\n  { type = output }\n");
        assertEquals("config file " + list + ": line 3 opens a '{' or '[' that is never closed (the file ends "
                + "first)", error(list));
        Path close = write("close.conf", "name = x\n}\n");
        assertTrue(error(close).startsWith(close + ": 2: unbalanced close brace"), error(close));
        Path escape = write("escape.conf", "name = x\ndata.dir = \"C:\\data\"\n");
        assertTrue(error(escape).startsWith(escape + ": 2: "), error(escape));
        Path latin1 = write("latin1.conf", "name = x\ndata.dir = \"donn\u00e9es\"\n".getBytes(
                StandardCharsets.ISO_8859_1));
        assertEquals("config file " + latin1 + ": line 2 is not UTF-8 text (byte 0xE9); save the job file as UTF-8",
                error(latin1));
        Path nul = write("nul.conf", "name = x\ntraining.epochs = 3\u0000\n");
        assertEquals("config file " + nul + ": line 2 has a NUL byte; a job file is text (wrong file?)", error(nul));
        Path empty = write("empty.conf", "");
        assertEquals("config file " + empty + " sets nothing (it is empty); a job sets at least its name and data "
                + "(see conf/ for examples)", error(empty));
        Path comments = write("comments.conf", "# only a comment\n\n");
        assertTrue(error(comments).startsWith("config file " + comments + " sets nothing"));
    }

    @Test
    void aJobPathThatIsNoPathIsAUsageError() {
        assertEquals("config file \"\" is not a path or URI: Can not create a Path from an empty string",
                assertThrows(ConfigException.class, () -> JobConfigLoader.load("", List.of(), new Configuration()))
                        .getMessage());
        String message = assertThrows(ConfigException.class, () -> JobConfigLoader.load("a:b.conf", List.of(),
                new Configuration())).getMessage();
        assertTrue(message.startsWith("config file \"a:b.conf\" is not a path or URI: "), message);
    }

    @Test
    void aByteOrderMarkIsAccepted() throws IOException {
        Path bom = write("bom.conf", "\uFEFFname = bom\ntraining.epochs = 2\n");
        assertEquals("bom", load(bom).name());
        assertEquals(2, load(bom).training().epochs());
    }

    @Test
    void deepNestingIsAUsageErrorNotAStackOverflow() throws IOException {
        Path braces = write("braces.conf", "name = x\n" + "a {".repeat(5000) + "}".repeat(5000) + "\n");
        assertEquals("config file " + braces + ": line 2 nests braces/brackets more than 64 deep", error(braces));
        Path lists = write("lists.conf", "name = x\na = " + "[".repeat(5000) + "]".repeat(5000) + "\n");
        assertEquals("config file " + lists + ": line 2 nests braces/brackets more than 64 deep", error(lists));
        // A brace inside a string or a comment is not nesting.
        Path quoted = write("quoted.conf", "name = x # {{{{\ndata.dir = \"" + "{".repeat(100) + "\"\n");
        assertEquals("{".repeat(100), load(quoted).data().dir());
        // Dotted keys nest without braces: either the parser copes and the key is unknown, or it runs out of stack;
        // both are one short line.
        Path dotted = write("dotted.conf", "name = x\n" + "a.".repeat(5000) + "a = 1\n");
        String message = error(dotted);
        assertTrue(message.startsWith("unknown key a.a.a.") || message.startsWith("config file " + dotted),
                message);
    }

    @Test
    void aDeepUnknownKeyIsAShortLine() throws IOException {
        Path job = write("job.conf", "name = x\ntraining." + "x".repeat(3000) + " = 1\n");
        String message = error(job);
        assertTrue(message.startsWith("unknown key training.xxx"), message);
        assertTrue(message.contains("..."), message);
    }
}
