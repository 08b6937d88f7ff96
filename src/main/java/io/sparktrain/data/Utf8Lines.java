package io.sparktrain.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The lines of a UTF-8 file, read strictly and within bounds: a leading byte-order mark (as Excel's "CSV UTF-8"
 * writes) is skipped, malformed UTF-8 is an error naming the file and line (never silently replaced), a line longer
 * than {@link #MAX_LINE_CHARS} is an error naming the line, and a file (or a {@code /dev/zero}) with more text than
 * {@code maxChars} stops with an error instead of filling the heap. Only {@code \n} ends a line; a {@code \r} just
 * before it is dropped.
 */
public final class Utf8Lines implements Closeable {

    /** The longest line accepted, in characters (16 Mi): far beyond any real CSV row or text line. */
    public static final int MAX_LINE_CHARS = 16 << 20;

    private static final int CHUNK = 1 << 16;

    private final String file;
    private final InputStream in;
    private final long maxChars;
    private final int maxLine;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes = ByteBuffer.allocate(CHUNK);
    private final CharBuffer chars = CharBuffer.allocate(CHUNK);
    private final StringBuilder line = new StringBuilder();
    private boolean eof;
    private boolean decodedAll;
    private boolean first = true;
    private int lineNo;
    private long total;
    private boolean endsWithNewline;
    private IOException pendingError;
    private boolean pendingMalformed;
    private long position;
    private long lineStart;

    Utf8Lines(String file, InputStream in, long maxChars, int maxLine) {
        this(file, in, maxChars, maxLine, 0, 0);
    }

    /**
     * Lines of {@code in}, which starts at byte {@code startByte} of {@code file}, after {@code linesBefore} lines:
     * a reader of part of a file reports the same line numbers and byte offsets as one of the whole file. A
     * byte-order mark is skipped only at byte 0.
     */
    Utf8Lines(String file, InputStream in, long maxChars, int maxLine, long startByte, int linesBefore) {
        this.file = file;
        this.in = in;
        this.maxChars = maxChars;
        this.maxLine = maxLine;
        this.position = startByte;
        this.lineNo = linesBefore;
        this.first = startByte == 0;
        bytes.flip();
        chars.flip();
    }

    /**
     * Opens {@code file} through Hadoop.
     *
     * @param maxChars the most characters the whole file may hold (see {@link #textBudget()})
     * @throws DataFormatException when it is missing or unreadable
     */
    public static Utf8Lines open(String file, Configuration hadoop, long maxChars) {
        return new Utf8Lines(file, openSeekable(file, hadoop), maxChars, MAX_LINE_CHARS);
    }

    /**
     * Opens {@code file} through Hadoop, to read it whole or in parts ({@link #part}).
     *
     * @throws DataFormatException when it is missing, a directory or unreadable
     */
    static FSDataInputStream openSeekable(String file, Configuration hadoop) {
        Path path = new Path(file);
        try {
            FileSystem fs = path.getFileSystem(hadoop);
            if (!fs.exists(path)) {
                throw new DataFormatException(file, "no such file");
            }
            if (fs.getFileStatus(path).isDirectory()) {
                throw new DataFormatException(file, "is a directory, expected a file");
            }
            return fs.open(path);
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * The lines of bytes {@code [start, end)} of {@code file} ({@code end} = {@link Long#MAX_VALUE} for the rest),
     * {@code linesBefore} lines into it, numbered and located as a reader of the whole file sees them. Reads stop at
     * {@code end}; closing it leaves {@code in} open.
     *
     * @throws DataFormatException when {@code in} cannot seek there
     */
    static Utf8Lines part(String file, FSDataInputStream in, long start, long end, long maxChars, int linesBefore) {
        try {
            in.seek(start);
        } catch (IOException e) {
            throw new DataFormatException(file, "line " + (linesBefore + 1) + ": cannot seek to byte " + start + ": "
                    + e.getMessage(), e);
        }
        return new Utf8Lines(file, new Part(in, end - start), maxChars, MAX_LINE_CHARS, start, linesBefore);
    }

    /** At most {@code left} bytes of a stream that stays open. */
    private static final class Part extends InputStream {
        private final InputStream in;
        private long left;

        Part(InputStream in, long left) {
            this.in = in;
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() {
            // The file stays open for the next part.
        }
    }

    /**
     * How many characters of text this JVM can afford to hold while preparing examples from them: each character
     * becomes a few ints (code point, input, label) and a share of the examples' arrays: a character per 32 bytes
     * of maximum heap, and never more than an int can index.
     */
    public static long textBudget() {
        return Math.min(Integer.MAX_VALUE - 8L, Runtime.getRuntime().maxMemory() / 32);
    }

    /** The number of the line {@link #next()} returned last (1-based). */
    public int lineNumber() {
        return lineNo;
    }

    /** The byte offset in the file of the first character of the line {@link #next()} returned last. */
    public long lineStart() {
        return lineStart;
    }

    /** The byte offset in the file just past what has been returned: the start of the next line. */
    public long position() {
        return position;
    }

    /** Characters read so far, line breaks excluded. */
    public long characters() {
        return total;
    }

    /** Whether the text ended with a line break (after {@link #next()} returned null). */
    public boolean endsWithNewline() {
        return endsWithNewline;
    }

    /**
     * The next line without its line break, or null at the end of the file.
     *
     * @throws DataFormatException naming the file and line: malformed UTF-8, a line too long, too much text, or a
     *     read error
     */
    public String next() {
        line.setLength(0);
        boolean any = false;
        while (true) {
            if (!chars.hasRemaining()) {
                if (!fill()) {
                    if (!any) {
                        return null;
                    }
                    lineNo++;
                    endsWithNewline = false;
                    return line.toString();
                }
                continue;
            }
            char c = chars.get();
            // UTF-8 bytes of c: a surrogate is half of a 4-byte character.
            int size = c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
            if (first) {
                first = false;
                if (c == '\uFEFF') {
                    position += size;
                    continue;
                }
            }
            if (!any) {
                lineStart = position;
                any = true;
            }
            position += size;
            if (c == '\n') {
                lineNo++;
                endsWithNewline = true;
                int n = line.length();
                if (n > 0 && line.charAt(n - 1) == '\r') {
                    line.setLength(n - 1);
                }
                return line.toString();
            }
            if (++total > maxChars) {
                throw new DataFormatException(file, "line " + (lineNo + 1) + ": more than " + maxChars
                        + " characters of text, more than this JVM's heap (" + (Runtime.getRuntime().maxMemory() >> 20)
                        + " MiB) can hold as examples; use a smaller file or a larger heap");
            }
            if (line.length() >= maxLine) {
                throw new DataFormatException(file, "line " + (lineNo + 1) + " is longer than " + maxLine
                        + " characters (not a line-oriented text file?)");
            }
            line.append(c);
        }
    }

    /** Decodes more characters into {@link #chars}; false at the end of the input. */
    private boolean fill() {
        if (pendingMalformed) {
            throw new DataFormatException(file, "line " + (lineNo + 1) + ": not UTF-8 (malformed byte sequence); "
                    + "save the file as UTF-8");
        }
        if (pendingError != null) {
            throw new DataFormatException(file, "line " + (lineNo + 1) + ": cannot read: "
                    + pendingError.getMessage(), pendingError);
        }
        if (decodedAll) {
            return false;
        }
        chars.clear();
        while (chars.position() == 0) {
            if (!bytes.hasRemaining() || !eof && bytes.remaining() < 8) {
                if (!eof) {
                    bytes.compact();
                    try {
                        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                        if (n < 0) {
                            eof = true;
                        } else {
                            bytes.position(bytes.position() + n);
                        }
                    } catch (IOException e) {
                        pendingError = e;
                    }
                    bytes.flip();
                }
            }
            CoderResult r = decoder.decode(bytes, chars, eof);
            if (r.isError()) {
                pendingMalformed = true;
                break;
            }
            if (pendingError != null) {
                break;
            }
            if (eof && !bytes.hasRemaining()) {
                if (decoder.flush(chars).isError()) {
                    pendingMalformed = true;
                }
                decodedAll = true;
                break;
            }
        }
        chars.flip();
        if (chars.hasRemaining()) {
            return true;
        }
        return fill();
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // Nothing was written; the content has been read or an error already reported.
        }
    }
}
