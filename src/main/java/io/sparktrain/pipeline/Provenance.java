package io.sparktrain.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a model came from, recorded next to it (after Tribuo's provenance): each input file's SHA-256, size and
 * modification time, and the versions of the libraries that trained it. With the effective configuration, enough to
 * retrain the same model.
 */
public final class Provenance {

    private Provenance() {
    }

    /** SHA-256, bytes and modification time of each file, keyed by URI. */
    public static Map<String, Object> files(List<String> uris, Configuration hadoop) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String uri : uris) {
            Path path = new Path(uri);
            try {
                FileSystem fs = path.getFileSystem(hadoop);
                FileStatus status = fs.getFileStatus(path);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[1 << 16];
                try (InputStream in = fs.open(path)) {
                    for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                        sha.update(buffer, 0, n);
                    }
                }
                out.put(uri, Map.of("sha256", HexFormat.of().formatHex(sha.digest()), "bytes", status.getLen(),
                        "modified", status.getModificationTime()));
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new IllegalStateException("cannot hash " + uri + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Versions of Java, Spark, DL4J/ND4J and sparktrain itself. */
    public static Map<String, Object> versions(String sparkVersion) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("sparktrain", mavenVersion("io.sparktrain", "sparktrain"));
        v.put("java", System.getProperty("java.version"));
        v.put("spark", sparkVersion);
        v.put("deeplearning4j", mavenVersion("org.deeplearning4j", "deeplearning4j-nn"));
        v.put("nd4j-native", mavenVersion("org.nd4j", "nd4j-native"));
        return v;
    }

    /** The version in an artifact's Maven metadata on the classpath, or "unknown". */
    private static String mavenVersion(String group, String artifact) {
        String resource = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = Provenance.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return "unknown";
            }
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
