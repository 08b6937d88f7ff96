package io.sparktrain.cli;

import io.sparktrain.config.ConfigException;
import io.sparktrain.pipeline.ExportJob;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code export RUN_OR_MODEL --format onnx [--out FILE]}: a saved model as ONNX ({@link ExportJob}). */
final class ExportCommand {

    static final String USAGE = "export RUN_OR_MODEL --format onnx [--out FILE]";

    private ExportCommand() {
    }

    static String run(List<String> words) {
        CommandLine line = CommandLine.parse(words, USAGE, "run folder or model file", Set.of("--format", "--out"));
        String name = line.required("--format");
        ExportJob.Format format;
        try {
            format = ExportJob.Format.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid("--format", "be onnx", "\"" + name + "\"");
        }
        return "wrote " + ExportJob.run(line.argument(), format, line.option("--out", null));
    }
}
