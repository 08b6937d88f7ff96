package io.sparktrain.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.config.ConfigException;
import io.sparktrain.report.ComparePage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Several run folders on one page ({@link ComparePage}), written to a new file. */
public final class CompareJob {

    private CompareJob() {
    }

    /**
     * @param runs run folders, at least two
     * @param out the page to write; it must not exist
     * @return where it was written
     */
    public static String run(List<String> runs, String out) {
        if (runs.size() < 2) {
            throw new ConfigException("compare needs at least two run folders, got " + runs.size());
        }
        Configuration hadoop = new Configuration();
        List<ComparePage.Run> loaded = new ArrayList<>();
        for (String run : runs) {
            Path metrics = new Path(run, RunOutput.METRICS);
            try (InputStream in = metrics.getFileSystem(hadoop).open(metrics)) {
                loaded.add(new ComparePage.Run(new Path(run).getName(), new ObjectMapper().readTree(in)));
            } catch (java.io.FileNotFoundException e) {
                throw new ConfigException(run + " has no " + RunOutput.METRICS + ": give run folders written by train");
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + metrics + ": " + e.getMessage(), e);
            }
        }
        Path target = new Path(out);
        try {
            FileSystem fs = target.getFileSystem(hadoop);
            if (fs.exists(target)) {
                throw new ConfigException("--out " + out + " already exists; choose another or remove it");
            }
            AtomicFile.write(fs, target, false, ComparePage.html(loaded).getBytes(StandardCharsets.UTF_8));
            return fs.makeQualified(target).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + out + ": " + e.getMessage(), e);
        }
    }
}
