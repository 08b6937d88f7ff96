package io.sparktrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparktrain.config.ConfigException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shared option parsing of the commands. */
class CommandLineTest {
    private static final Set<String> OPTIONS = Set.of("--set", "--length");

    private static String error(String... words) {
        return assertThrows(ConfigException.class,
                () -> CommandLine.parse(List.of(words), "cmd X [--set k=v] [--length N]", "thing", OPTIONS))
                .getMessage();
    }

    @Test
    void argumentRepeatedOptionsAndNumbers() {
        CommandLine line = CommandLine.parse(List.of("--set", "a=1", "x", "--set", "b=2", "--length", "7"), "u",
                "thing", OPTIONS);
        assertEquals("x", line.argument());
        assertEquals(List.of("a=1", "b=2"), line.all("--set"));
        assertEquals(7, line.intOption("--length", 3));
        assertEquals(3, CommandLine.parse(List.of("x"), "u", "thing", OPTIONS).intOption("--length", 3));
    }

    @Test
    void everyMistakeNamesItselfAndTheUsage() {
        assertEquals("unknown option --lenght; usage: cmd X [--set k=v] [--length N]", error("x", "--lenght", "3"));
        assertEquals("--length needs a value; usage: cmd X [--set k=v] [--length N]", error("x", "--length"));
        assertEquals("unexpected argument y; usage: cmd X [--set k=v] [--length N]", error("x", "y"));
        assertEquals("no thing given; usage: cmd X [--set k=v] [--length N]", error("--set", "a=1"));
        assertEquals("--length expects a whole number, got \"ten\"", assertThrows(ConfigException.class,
                () -> CommandLine.parse(List.of("x", "--length", "ten"), "u", "thing", OPTIONS)
                        .intOption("--length", 1)).getMessage());
    }
}
