package io.sparktrain.cli.fuzz;

import java.nio.file.Path;

/**
 * One fuzz case: a corpus copy in {@code root} with one file (or folder) mutated, and how to judge its run.
 *
 * @param number the case number; with the seed it reproduces the case ({@code -Dfuzz.case=N})
 * @param format the job kind the case runs
 * @param root the case's folder: the corpus, {@code jobs/}, and {@code out/} for {@code --out out/run}
 * @param target the mutated file or folder, relative to {@code root}
 * @param op the mutation's kind, for grouping findings (e.g. {@code csv.cell}, {@code idx.header})
 * @param detail what exactly was done, for the report
 * @param mustFail the README documents this input as an error, so a run that succeeds is a finding
 * @param dataTarget the mutated thing is a data file or folder (so an exit-3 message must name it)
 * @param child the case runs in a JVM of its own with a small heap ({@code -Xmx256m}), where an
 *     OutOfMemoryError, a stack overflow or a crash is seen as such
 */
public record FuzzCase(int number, Corpus.Format format, Path root, String target, String op, String detail,
                       boolean mustFail, boolean dataTarget, boolean child) {

    /** The job file the case trains. */
    public Path job() {
        return Corpus.jobFile(root, format);
    }

    /** {@code --out}: a folder inside {@code out/}, which must stay empty unless the run succeeds. */
    public Path out() {
        return root.resolve("out").resolve("run");
    }

    /** The name a message about the mutated data should mention: the file's (or folder's) name. */
    public String targetName() {
        String name = Path.of(target).getFileName().toString();
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }
}
