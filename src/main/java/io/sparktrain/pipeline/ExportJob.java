package io.sparktrain.pipeline;

import io.sparktrain.config.ConfigException;
import io.sparktrain.export.OnnxExport;
import io.sparktrain.model.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writes a saved model in a portable format: ONNX (opset {@value OnnxExport#OPSET}), input {@code input} in DL4J's
 * layout (NCHW images, {@code [N, features, steps]} sequences of full length), output {@code probabilities}.
 */
public final class ExportJob {

    private ExportJob() {
    }

    /** The formats {@code export} writes. */
    public enum Format {
        ONNX
    }

    /**
     * @param location a run folder or a model file
     * @param out the file to write; empty: {@code model.onnx} beside the model
     * @return where it was written
     */
    public static String run(String location, Format format, String out) {
        Configuration hadoop = new Configuration();
        SavedModel model = SavedModel.load(location, List.of(), hadoop);
        Shape in = model.description().input();
        long[] shape = in.sequence() ? new long[] {in.channels(), -1} : new long[] {in.channels(), in.height(),
                in.width()};
        onnx.Onnx.ModelProto onnx;
        try {
            onnx = OnnxExport.toOnnx(model.network(), shape);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(location + ": " + e.getMessage());
        }
        try {
            Path source = new Path(location);
            FileSystem fs = source.getFileSystem(hadoop);
            Path target = out != null ? new Path(out)
                    : new Path(fs.getFileStatus(source).isDirectory() ? source : source.getParent(), "model.onnx");
            if (fs.exists(target)) {
                throw new ConfigException("--out " + target + " already exists; choose another or remove it");
            }
            AtomicFile.write(fs, target, false, staging -> {
                try (OutputStream s = fs.create(staging, false)) {
                    OnnxExport.write(onnx, s);
                }
                return null;
            });
            return target.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + (out == null ? "model.onnx" : out) + ": " + e.getMessage(), e);
        }
    }
}
