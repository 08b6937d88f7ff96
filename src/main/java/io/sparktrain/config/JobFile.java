package io.sparktrain.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a HOCON job file, and the files it includes, through Hadoop's {@link FileSystem}, so that a job on
 * {@code hdfs://} can {@code include "base.conf"} beside it. Typesafe Config's own includer only knows local files,
 * URLs and the classpath, and a job read from a stream has no folder to resolve a relative include against.
 *
 * <p>Every include resolves against the folder of the file that includes it ({@code include "x"},
 * {@code file("x")} and {@code url("file:...")} alike). A missing {@code required(...)} include is an error naming the
 * include and the file; a missing plain include is skipped with a warning, as HOCON specifies. Cycles, files over
 * {@link #MAX_BYTES}, text that is not UTF-8, NUL bytes and nesting deeper than {@link #MAX_NESTING} are errors
 * naming the file (and line), not a hang, an out-of-memory or a stack overflow.
 */
final class JobFile {
    private static final Logger LOG = LoggerFactory.getLogger(JobFile.class);

    /** Largest job or included file read; a job file is a few KB, so more is a wrong path (or /dev/zero). */
    static final int MAX_BYTES = 1 << 20;
    /** Deepest brace/bracket nesting accepted; real jobs nest about five levels, the parser recurses per level. */
    static final int MAX_NESTING = 64;
    /** Longest include chain, and most files one job may read: bounds a fan-out of includes. */
    static final int MAX_INCLUDE_DEPTH = 16;
    static final int MAX_FILES = 100;

    private final Configuration hadoop;
    private int filesRead;

    private JobFile(Configuration hadoop) {
        this.hadoop = hadoop;
    }

    /** The job file's settings, its includes merged in (substitutions not yet resolved). */
    static Config read(String jobFile, Configuration hadoop) {
        Path path;
        try {
            path = new Path(jobFile);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config file \"" + ConfigException.shorten(jobFile, 150) + "\" is not a path or "
                    + "URI: " + oneLine(e));
        }
        Configuration files = hadoop;
        if (path.toUri().getScheme() == null) {
            // A job file named without a scheme is a local file (the launch scripts check it and ship it to a
            // cluster-mode driver's working directory), and so are its includes, also where fs.defaultFS names
            // another file system, as a Hadoop client's configuration and a YARN container's make HDFS the default.
            files = new Configuration(hadoop);
            files.set(FileSystem.FS_DEFAULT_NAME_KEY, FileSystem.DEFAULT_FS);
        }
        JobFile reader = new JobFile(files);
        Config config = reader.parse(path, jobFile, List.of(), true);
        if (config.root().isEmpty()) {
            throw new ConfigException("config file " + ConfigException.shorten(jobFile, 150) + " sets nothing (it is "
                    + "empty); a job sets at least "
                    + "its name and data (see conf/ for examples)");
        }
        return config;
    }

    /**
     * Parses one file.
     *
     * @param display the path as the user would recognise it, for messages and origins
     * @param chain the files including this one, outermost first
     * @param required whether a missing file is an error (it is for the job file and {@code required(...)})
     * @return its settings, or null when an optional include is missing
     */
    private Config parse(Path path, String display, List<Step> chain, boolean required) {
        FileSystem fs;
        Path qualified;
        try {
            fs = path.getFileSystem(hadoop);
            qualified = fs.makeQualified(path);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(ConfigException.shorten(describe(display, chain) + ": cannot open: "
                    + oneLine(e)));
        }
        int seen = chain.stream().map(Step::qualified).toList().indexOf(qualified);
        if (seen >= 0) {
            List<String> names = new ArrayList<>();
            for (Step s : chain.subList(seen, chain.size())) {
                names.add(s.qualified().getName());
            }
            names.add(qualified.getName());
            throw new ConfigException(ConfigException.shorten("include cycle: " + String.join(" -> ", names)
                    + " (" + display + ")"));
        }
        if (chain.size() > MAX_INCLUDE_DEPTH) {
            throw new ConfigException(describe(display, chain) + ": includes nest more than " + MAX_INCLUDE_DEPTH
                    + " deep");
        }
        if (++filesRead > MAX_FILES) {
            throw new ConfigException(describe(display, chain) + ": the job reads more than " + MAX_FILES
                    + " included files");
        }
        try {
            if (fs.getFileStatus(qualified).isDirectory()) {
                throw new ConfigException(describe(display, chain) + " is a directory, not a job file");
            }
        } catch (FileNotFoundException e) {
            if (required) {
                throw new ConfigException(describe(display, chain) + " not found");
            }
            return null;
        } catch (IOException e) {
            throw new ConfigException(ConfigException.shorten(describe(display, chain) + ": cannot read: "
                    + oneLine(e)));
        }
        byte[] bytes;
        try {
            // Past getFileStatus, a FileNotFoundException means unreadable (the local file system reports
            // "Permission denied" so), not missing.
            bytes = readBounded(fs, qualified, display, chain);
        } catch (IOException e) {
            throw new ConfigException(ConfigException.shorten(describe(display, chain) + ": cannot read: "
                    + oneLine(e)));
        }
        String text = decode(bytes, display);
        int unclosed = checkNesting(text, display);
        List<Step> inner = new ArrayList<>(chain);
        inner.add(new Step(qualified, display));
        ConfigParseOptions options = ConfigParseOptions.defaults()
                .setSyntax(syntax(path.getName()))
                .setOriginDescription(display)
                .setAllowMissing(true)
                .setIncluder(new Includer(path, qualified, display, List.copyOf(inner)));
        try {
            return ConfigFactory.parseString(text, options);
        } catch (com.typesafe.config.ConfigException e) {
            if (unclosed > 0 && String.valueOf(e.getMessage()).contains("end of file")) {
                // Typesafe Config words a missing '}' at the end as "expecting a close parentheses ')'".
                throw new ConfigException("config file " + ConfigException.shorten(display, 150) + ": line "
                        + unclosed + " opens a '{' or '[' that is never closed (the file ends first)");
            }
            throw new ConfigException(ConfigException.shorten(oneLine(e)));
        } catch (StackOverflowError e) {
            throw new ConfigException("config file " + ConfigException.shorten(display, 150)
                    + ": nested too deeply for the parser (dotted keys or braces); a job nests a few levels");
        }
    }

    private static String describe(String display, List<Step> chain) {
        String name = "config file " + ConfigException.shorten(display, 120);
        return chain.isEmpty() ? name
                : name + " (included by " + ConfigException.shorten(chain.get(chain.size() - 1).display(), 120) + ")";
    }

    private static byte[] readBounded(FileSystem fs, Path path, String display, List<Step> chain) throws IOException {
        try (InputStream in = fs.open(path)) {
            // One byte past the limit tells "exactly 1 MiB" from "more", without trusting the length a special
            // file such as /dev/zero reports.
            byte[] buffer = new byte[MAX_BYTES + 1];
            int n = 0;
            while (n < buffer.length) {
                int got = in.read(buffer, n, buffer.length - n);
                if (got < 0) {
                    break;
                }
                n += got;
            }
            if (n > MAX_BYTES) {
                throw new ConfigException(describe(display, chain) + " is larger than " + (MAX_BYTES >> 20)
                        + " MiB; a job file is a few KB (wrong path?)");
            }
            return java.util.Arrays.copyOf(buffer, n);
        }
    }

    /** Strict UTF-8: a Latin-1 file would otherwise load with U+FFFD in its values. */
    private static String decode(byte[] bytes, String display) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            throw new ConfigException("config file " + ConfigException.shorten(display, 150) + ": line "
                    + line(bytes, at) + " is not UTF-8 text (byte 0x"
                    + String.format(Locale.ROOT, "%02X", bytes[at] & 0xff) + "); save the job file as UTF-8");
        }
        out.flip();
        String text = out.toString();
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            throw new ConfigException("config file " + ConfigException.shorten(display, 150) + ": line "
                    + (1 + text.substring(0, nul).chars().filter(c -> c == '\n').count())
                    + " has a NUL byte; a job file is text (wrong file?)");
        }
        return text;
    }

    private static int line(byte[] bytes, int end) {
        int line = 1;
        for (int i = 0; i < end; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /**
     * Rejects nesting deeper than {@link #MAX_NESTING} before the recursive parser overflows its stack. Counts
     * braces and brackets outside strings and comments, as HOCON tokenises them (a '{' cannot be unquoted text).
     *
     * @return the line of the outermost '{' or '[' left open at the end, 0 if none; only used to word the parser's
     *     own error, so a miscount here cannot fail a valid file
     */
    static int checkNesting(String text, String display) {
        int[] opened = new int[MAX_NESTING + 1];
        int depth = 0;
        int line = 1;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char ch = text.charAt(i);
            if (ch == '\n') {
                line++;
                i++;
            } else if (ch == '#' || (ch == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (text.startsWith("\"\"\"", i)) {
                int end = text.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                line += (int) text.substring(i, end).chars().filter(c -> c == '\n').count();
                i = end;
            } else if (ch == '"') {
                i++;
                while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    i += text.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else {
                if (ch == '{' || ch == '[') {
                    if (depth >= 0 && depth < opened.length) {
                        opened[depth] = line;
                    }
                    if (++depth > MAX_NESTING) {
                        throw new ConfigException("config file " + ConfigException.shorten(display, 150) + ": line "
                                + line + " nests braces/brackets more than " + MAX_NESTING + " deep");
                    }
                } else if (ch == '}' || ch == ']') {
                    depth--; // unbalanced ones are the parser's to report, with its own words
                }
                i++;
            }
        }
        return depth > 0 ? opened[0] : 0;
    }

    private static ConfigSyntax syntax(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".json")) {
            return ConfigSyntax.JSON;
        }
        return lower.endsWith(".properties") ? ConfigSyntax.PROPERTIES : ConfigSyntax.CONF;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replace('\r', ' ').replace('\n', ' ');
    }

    /** A file being read: where it is, and how the user named it. */
    private record Step(Path qualified, String display) {
    }

    /** Resolves the includes of one file against that file's folder, on its file system. */
    private final class Includer implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL {
        private final Path including;
        private final Path includingQualified;
        private final String includingDisplay;
        private final List<Step> chain;

        Includer(Path including, Path includingQualified, String includingDisplay, List<Step> chain) {
            this.including = including;
            this.includingQualified = includingQualified;
            this.includingDisplay = includingDisplay;
            this.chain = chain;
        }

        @Override
        public ConfigIncluder withFallback(ConfigIncluder fallback) {
            return this; // Typesafe's fallback would look on the classpath and in the working directory instead
        }

        @Override
        public ConfigObject include(ConfigIncludeContext context, String what) {
            String lower = what.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".conf") || lower.endsWith(".json") || lower.endsWith(".properties")) {
                return includePath(context, what);
            }
            // HOCON, as Typesafe Config reads it: any other name is a base name, and the include is NAME.conf,
            // NAME.json and NAME.properties, those found, .conf winning over .json over .properties. file("NAME")
            // and url("NAME") read NAME itself.
            Config merged = null;
            for (String extension : List.of(".conf", ".json", ".properties")) {
                Config one = parse(resolve(what + extension), display(what + extension), chain, false);
                if (one != null) {
                    merged = merged == null ? one : merged.withFallback(one);
                }
            }
            if (merged == null) {
                return missing(context, display(what) + " (.conf, .json or .properties)");
            }
            return merged.root();
        }

        @Override
        public ConfigObject includeFile(ConfigIncludeContext context, File what) {
            return includePath(context, what.getPath());
        }

        @Override
        public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
            try {
                return includePath(context, what.toURI().toString());
            } catch (URISyntaxException e) {
                throw new ConfigException("include url(" + what + ") in " + includingDisplay + ": " + oneLine(e));
            }
        }

        private ConfigObject includePath(ConfigIncludeContext context, String what) {
            Config included = parse(resolve(what), display(what), chain, required(context));
            return included == null ? missing(context, display(what)) : included.root();
        }

        private static boolean required(ConfigIncludeContext context) {
            return !context.parseOptions().getAllowMissing();
        }

        private ConfigObject missing(ConfigIncludeContext context, String display) {
            String what = describe(display, chain);
            if (required(context)) {
                throw new ConfigException(what + " not found");
            }
            LOG.warn("{} not found; skipped (HOCON ignores a missing include unless it is required(...))", what);
            return ConfigFactory.empty().root();
        }

        /** {@code what} as written, or beside the including file when it is a relative path. */
        private Path resolve(String what) {
            if (what.isEmpty()) {
                throw new ConfigException("include \"\" in " + includingDisplay + " names no file");
            }
            try {
                Path given = new Path(what);
                if (given.isAbsoluteAndSchemeAuthorityNull()) {
                    // "/shared/base.conf" in a job on hdfs://nn is on hdfs://nn, whatever fs.defaultFS says.
                    URI on = includingQualified.toUri();
                    return new Path(on.getScheme(), on.getAuthority(), given.toUri().getPath());
                }
                if (given.toUri().getScheme() != null) {
                    return given;
                }
                Path folder = including.getParent();
                return folder == null ? given : new Path(folder, given);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("include \"" + ConfigException.shorten(what, 120) + "\" in "
                        + includingDisplay + ": not a path: " + oneLine(e));
            }
        }

        /** How messages name the include: as written when absolute, else beside the including file. */
        private String display(String what) {
            Path resolved = resolve(what);
            return new Path(what).isAbsoluteAndSchemeAuthorityNull() ? what : resolved.toString();
        }
    }
}
