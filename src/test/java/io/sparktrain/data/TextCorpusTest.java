package io.sparktrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Character windows, the vocabulary and the held-out tail. */
class TextCorpusTest {

    @TempDir
    Path dir;

    @Test
    void windowsPredictTheNextCharacterAndCoverTheWholeText() {
        Vocabulary v = Vocabulary.of("abcde");
        int[] codes = TextCorpus.encode("abcdeab", v, Split.TRAIN, 1e-9);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 0, 1}, codes);
        SequenceSet windows = TextCorpus.windows(codes, v.size(), 4, 3);
        // Starts 0 and 3; the second is cut short at the end of the text.
        assertEquals(2, windows.size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, windows.tokens(0));
        assertArrayEquals(new int[] {3, 4, 0}, windows.tokens(1));
        var batch = windows.minibatch(new int[] {0, 1}, 0, 2);
        assertEquals(1f, batch.getLabels().getFloat(0, 1, 0), "after 'a' comes 'b'");
        assertEquals(1f, batch.getLabels().getFloat(1, 1, 2), "the last target is the text's last character");
        assertEquals(0f, batch.getLabelsMaskArray().getFloat(1, 3), "the short window is masked");
    }

    @Test
    void theTestSplitIsTheTailAndTheVocabularyComesFromTheWholeText() {
        String text = "aaaaaaaabz";
        Vocabulary v = Vocabulary.of(text);
        assertEquals("abz", v.characters());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0}, TextCorpus.encode(text, v, Split.TRAIN, 0.2));
        assertArrayEquals(new int[] {1, 2}, TextCorpus.encode(text, v, Split.TEST, 0.2));
        assertEquals(Vocabulary.parse(v.characters()).characters(), v.characters());
    }

    @Test
    void unigramEntropyOfTwoEquallyFrequentCharactersIsLogTwo() {
        assertEquals(Math.log(2), TextCorpus.unigramEntropy(new int[] {0, 1, 1, 0}, 3), 1e-12);
    }

    @Test
    void emptyAndNonUtf8FilesAreRejectedWithTheirNameAndLine() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        String e = assertThrows(DataFormatException.class,
                () -> TextCorpus.read(empty.toString(), new Configuration())).getMessage();
        assertTrue(e.endsWith("empty.txt: empty file: a text model needs at least two characters"), e);
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xe9});
        String bad = assertThrows(DataFormatException.class,
                () -> TextCorpus.read(latin1.toString(), new Configuration())).getMessage();
        assertTrue(bad.endsWith("latin1.txt: line 2: not UTF-8 (malformed byte sequence); save the file as UTF-8"), bad);
    }

    @Test
    void aLeadingByteOrderMarkIsNotACharacterOfTheText() throws IOException {
        Path bom = Files.write(dir.resolve("bom.txt"), "\uFEFFabab\r\nba\n".getBytes(StandardCharsets.UTF_8));
        String text = TextCorpus.read(bom.toString(), new Configuration());
        assertEquals("abab\nba\n", text);
        assertEquals("\nab", Vocabulary.of(text).characters());
    }

    @Test
    void malformedUtf8IsAnErrorNamingItsLineNotReplaced() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            lines.append("line ").append(i).append('\n'); // past the reader's first 64 KiB chunk
        }
        byte[] head = lines.toString().getBytes(StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(head, head.length + 3);
        bytes[head.length] = 'x';
        bytes[head.length + 1] = (byte) 0xc3; // a two-byte sequence cut short by a newline
        bytes[head.length + 2] = '\n';
        Path bad = Files.write(dir.resolve("bad.txt"), bytes);
        String e = assertThrows(DataFormatException.class,
                () -> TextCorpus.read(bad.toString(), new Configuration())).getMessage();
        assertTrue(e.endsWith("bad.txt: line 5001: not UTF-8 (malformed byte sequence); save the file as UTF-8"), e);
    }

    @Test
    void anEndlessOrHugeFileStopsAtTheBoundInsteadOfFillingTheHeap() throws IOException {
        Path zero = dir.resolve("zero.txt");
        Files.createSymbolicLink(zero, Path.of("/dev/zero"));
        String endless = assertThrows(DataFormatException.class,
                () -> TextCorpus.read(zero.toString(), new Configuration())).getMessage();
        assertTrue(endless.endsWith("zero.txt: line 1 is longer than 16777216 characters (not a line-oriented text "
                + "file?)"), endless);
        Path lines = Files.writeString(dir.resolve("lines.txt"), "abcdefghi\n".repeat(100));
        String big = assertThrows(DataFormatException.class,
                () -> TextCorpus.read(lines.toString(), new Configuration(), 500)).getMessage();
        assertTrue(big.contains("lines.txt: line 56: more than 500 characters of text"), big);
    }
}
