package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sequence jobs end to end on real Spark local mode: CSV (the control-chart benchmark) and text. */
class SequenceJobsTest {
    @TempDir
    Path tmp;
    private final CliRun cli = new CliRun();

    private ExitCode run(String... args) {
        return cli.run(args);
    }

    private String stderr() {
        return cli.stderr();
    }

    private static JsonNode metrics(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("metrics.json").toFile());
    }

    /** The benchmark with a known answer: the shipped job classifies held-out synthetic control charts. */
    @Test
    void lstmTrainedThroughTheCsvPathClassifiesHeldOutControlChartsAtLeast95Percent() throws IOException {
        Path data = tmp.resolve("control-charts");
        assertEquals(ExitCode.OK, run("make-control-charts", data.toString()), stderr());
        Path runDir = tmp.resolve("cc");
        assertEquals(ExitCode.OK, run("train", "conf/control-chart-lstm.conf", "--set", "data.dir=" + data.toUri(),
                "--out", runDir.toString()), stderr());
        JsonNode m = metrics(runDir);
        assertEquals(300, m.get("test").get("examples").asInt());
        double accuracy = m.get("test").get("accuracy").asDouble();
        assertTrue(accuracy >= 0.95, "held-out accuracy " + accuracy);
        assertEquals(1, m.get("data").get("featuresPerStep").asInt());
        assertEquals(60, m.get("data").get("longestSequence").asInt());
        assertEquals(1, m.get("data").get("standardization").get("mean").size());
        assertEquals(900, m.get("provenance").get("data").size(), "every CSV file is hashed");

        // The saved model on the CSV path: evaluate reproduces the run, predict scores the test files.
        assertEquals(ExitCode.OK, run("evaluate", runDir.toString()), stderr());
        String out = cli.stdout();
        JsonNode evaluation = new ObjectMapper().readTree(out.substring(out.indexOf('{')));
        assertEquals(accuracy, evaluation.get("accuracy").asDouble(), 0.0);
        assertEquals(m.get("test").get("loss").asDouble(), evaluation.get("loss").asDouble(), 1e-12);
        Path predictions = tmp.resolve("cc-predictions.csv");
        assertEquals(ExitCode.OK, run("predict", runDir.toString(), "--data", data.resolve("test").toString(),
                "--out", predictions.toString()), stderr());
        List<String> rows = Files.readAllLines(predictions);
        assertEquals(301, rows.size());
        assertEquals("id,predicted,p0,p1,p2,p3,p4,p5", rows.get(0));
        long[] predicted = new long[6];
        rows.stream().skip(1).forEach(r -> predicted[Integer.parseInt(r.split(",")[1])]++);
        for (int c = 0; c < 6; c++) {
            long column = 0;
            for (JsonNode row : evaluation.get("confusion")) {
                column += row.get(c).asLong();
            }
            assertEquals(column, predicted[c], "class " + c + ": predict and evaluate agree on the test files");
        }
    }

    @Test
    void characterModelLearnsBelowTheUnigramEntropyAndSamplesFromItsVocabulary() throws IOException {
        // A small text with structure a model can learn: words drawn from a few sentences.
        String[] sentences = {"the cat sat on the mat. ", "a dog ran to the park. ", "we sang a song. "};
        Random random = new Random(3);
        StringBuilder text = new StringBuilder();
        while (text.length() < 6000) {
            text.append(sentences[random.nextInt(sentences.length)]);
        }
        Path file = Files.writeString(tmp.resolve("text.txt"), text.toString());
        Path runDir = tmp.resolve("char");
        assertEquals(ExitCode.OK, run("train", "conf/char-lstm.conf", "--set", "data.text.file=" + file.toUri(),
                "--set", "data.text.window=24", "--set", "data.text.stride=24", "--set", "model.rnn.units=48",
                "--set", "training.epochs=6", "--set", "training.tbpttLength=12", "--set", "training.learningRate=0.01",
                "--set", "training.batchSizePerWorker=16", "--out", runDir.toString()), stderr());
        JsonNode m = metrics(runDir);
        double entropy = m.get("data").get("unigramEntropy").asDouble();
        double loss = m.get("test").get("loss").asDouble();
        assertTrue(loss < 0.6 * entropy, "test loss " + loss + " per character vs unigram entropy " + entropy);
        assertEquals(Math.exp(loss), m.get("test").get("perplexity").asDouble(), 1e-9);
        assertEquals("sequence", m.get("output").asText());
        // The held-out 10% is scored once per character (all but the first predicts the next).
        assertEquals(Math.round(text.length() * 0.1) - 1, m.get("test").get("examples").asLong());

        assertEquals(ExitCode.OK, run("sample", runDir.toString(), "--length", "80", "--prime", "the ", "--seed", "5"),
                stderr());
        String sample = cli.stdout().replaceFirst("\\R\\z", ""); // the line end only: a sample may end in a space
        assertEquals(80, sample.length(), sample);
        String vocabulary = new ObjectMapper().readTree(runDir.resolve("vocabulary.json").toFile())
                .get("characters").asText();
        assertTrue(sample.chars().allMatch(c -> vocabulary.indexOf(c) >= 0), sample);
        assertTrue(sample.contains("the ") || sample.contains(" a ") || sample.contains("sang"),
                "learnt words appear: " + sample);

        assertEquals(ExitCode.USAGE, run("sample", runDir.toString(), "--prime", "Z"));
        assertEquals("sparktrain: --prime: character \"Z\" is not in the model's vocabulary\n", stderr());

        // predict on a text file: one row per window of 24 characters, the next character's class.
        Path next = Files.writeString(tmp.resolve("next.txt"), "the cat sat on the mat. a dog ran to the park");
        Path predictions = tmp.resolve("char-predictions.csv");
        assertEquals(ExitCode.OK, run("predict", runDir.toString(), "--data", next.toString(), "--out",
                predictions.toString()), stderr());
        List<String> rows = Files.readAllLines(predictions);
        assertEquals(1 + 2, rows.size(), String.join("\n", rows));
        assertEquals("0", rows.get(1).split(",")[0]);
        assertEquals("24", rows.get(2).split(",")[0]);
        assertEquals(1 + 1 + vocabulary.length(), rows.get(1).split(",").length);
    }

    @Test
    void badCsvCellIsExitCodeThreeNamingFileAndLineAndWritesNothing() throws IOException {
        Files.createDirectories(tmp.resolve("csv/train"));
        Files.createDirectories(tmp.resolve("csv/test"));
        Files.writeString(tmp.resolve("csv/train/a.csv"), "1.0,0\n2.0,1\n");
        Files.writeString(tmp.resolve("csv/train/b.csv"), "1.0,0\nx,1\n");
        Files.writeString(tmp.resolve("csv/test/a.csv"), "1.0,1\n");
        Path runDir = tmp.resolve("bad");
        assertEquals(ExitCode.BAD_DATA, run("train", "conf/control-chart-lstm.conf", "--set",
                "data.dir=" + tmp.resolve("csv").toUri(), "--out", runDir.toString()));
        assertTrue(stderr().matches("sparktrain: bad data: file:\\S+/csv/train/b\\.csv: line 2: column 1: \"x\" is "
                + "not a number\n"), stderr());
        assertFalse(Files.exists(runDir));
    }

    @Test
    void configurationMistakesOfSequenceJobsAreUsageErrors() {
        assertEquals(ExitCode.USAGE, run("train", "conf/seq-mnist-gru.conf", "--set",
                "model.layers=[{type=gru, units=8, activation=relu},{type=output}]", "--set", "model.preset=\"\""));
        assertTrue(stderr().startsWith("sparktrain: model.layers[0].activation is not a setting of a gru layer; "
                + "allowed: "), stderr());
        assertEquals(ExitCode.USAGE, run("train", "conf/seq-mnist-lstm.conf", "--set", "training.tbpttLength=7"));
        assertTrue(stderr().startsWith("sparktrain: training.tbpttLength must be 0 unless model.output = sequence"),
                stderr());
        assertEquals(ExitCode.USAGE, run("train", "conf/mnist-cnn.conf", "--set", "model.preset=lstm"));
        assertTrue(stderr().contains("needs a sequence"), stderr());
    }
}
