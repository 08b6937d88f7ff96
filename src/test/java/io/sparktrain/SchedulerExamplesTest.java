package io.sparktrain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scheduler examples in submit-scripts/schedulers are what cron and Airflow accept. */
class SchedulerExamplesTest {
    private static final Path DIR = Path.of("submit-scripts/schedulers");

    @Test
    void crontabLinesHaveFiveValidTimeFieldsAndCallRetrainThroughSubmitSh() throws Exception {
        List<String> jobs = Files.readAllLines(DIR.resolve("retrain.crontab")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.matches("[A-Z_]+=.*")).toList();
        assertEquals(1, jobs.size(), jobs.toString());
        String[] fields = jobs.get(0).split("\\s+", 6);
        int[][] ranges = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
        for (int i = 0; i < 5; i++) {
            assertTrue(validField(fields[i], ranges[i][0], ranges[i][1]), "field " + (i + 1) + ": " + fields[i]);
        }
        assertTrue(fields[5].contains("submit-scripts/submit.sh retrain conf/mnist-cnn.conf"), fields[5]);
        assertTrue(fields[5].contains("--registry "), fields[5]);
        // A percent sign would end the command for cron.
        assertTrue(!fields[5].contains("%"), fields[5]);
    }

    /** One cron field: '*' or comma-separated numbers and ranges, each with an optional '/step', within bounds. */
    private static boolean validField(String field, int low, int high) {
        for (String part : field.split(",")) {
            String[] stepped = part.split("/");
            if (stepped.length > 2 || (stepped.length == 2 && !stepped[1].matches("[1-9]\\d*"))) {
                return false;
            }
            String range = stepped[0];
            if (range.equals("*")) {
                continue;
            }
            String[] ends = range.split("-");
            if (ends.length > 2) {
                return false;
            }
            for (String end : ends) {
                if (!end.matches("\\d+") || Integer.parseInt(end) < low || Integer.parseInt(end) > high) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void airflowDagParsesAsPythonAndBranchesOnRetrainsExitCodes() throws Exception {
        Path dag = DIR.resolve("retrain_dag.py");
        Process p = new ProcessBuilder("python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), "
                + "sys.argv[1]); print('ok')", dag.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String text = Files.readString(dag);
        assertTrue(text.contains("submit-scripts/submit.sh retrain") && text.contains("BranchPythonOperator")
                && text.contains("\"7\""), "retrain through submit.sh, branching on exit code 7");
    }
}
