package io.sparktrain.data;

import java.util.regex.Pattern;

/**
 * Reading one CSV cell as a number, the same way for training and prediction: plain decimal notation only
 * (optional sign, digits, an optional point and fraction, an optional exponent), because Java's
 * {@link Float#parseFloat} also takes {@code 2.5d}, {@code 1f}, {@code 0x1p3}, {@code NaN} and {@code Infinity},
 * which no spreadsheet means as numbers. Values beyond float's range are errors, not infinities.
 */
final class CsvCells {

    /** How many characters of a cell an error message quotes. */
    static final int QUOTED = 40;

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");

    private CsvCells() {
    }

    /**
     * The cell's value.
     *
     * @param where prefix for the message, e.g. {@code "line 3: column 2"}
     * @throws DataFormatException naming {@code file}, {@code where} and the (quoted, shortened) cell
     */
    static float number(String file, String where, String cell) {
        String s = cell.trim();
        if (!DECIMAL.matcher(s).matches()) {
            throw new DataFormatException(file, where + ": " + quote(s) + " is not a number");
        }
        float v = Float.parseFloat(s);
        if (Float.isInfinite(v)) {
            throw new DataFormatException(file, where + ": " + quote(s) + " is outside the range of a 32-bit float "
                    + "(about +-3.4e38)");
        }
        return v;
    }

    /** {@code cell} in double quotes, its first {@link #QUOTED} characters and "..." when it is longer. */
    static String quote(String cell) {
        return "\"" + shorten(cell) + "\"";
    }

    /** {@code cell}, or its first {@link #QUOTED} characters and "..." when it is longer. */
    static String shorten(String cell) {
        return cell.length() > QUOTED ? cell.substring(0, QUOTED) + "..." : cell;
    }
}
