import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A program with plain DL4J 1.0.0-M2 on its class path and nothing of sparktrain: loads a model file, checks that
 * no sparktrain class is visible, and writes the network's outputs for the given inputs.
 * Usage: java -cp DL4J_CLASSPATH PlainDl4jLoad.java MODEL_ZIP INPUT_ND4J OUTPUT_ND4J
 */
public class PlainDl4jLoad {
    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.sparktrain.nn.FusedConvPool");
            throw new IllegalStateException("sparktrain classes are on the class path; this check would prove nothing");
        } catch (ClassNotFoundException expected) {
            // as it should be
        }
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new File(args[0]), true);
        INDArray input;
        try (DataInputStream in = new DataInputStream(new FileInputStream(args[1]))) {
            input = Nd4j.read(in);
        }
        INDArray output = net.output(input, false);
        try (DataOutputStream out = new DataOutputStream(new FileOutputStream(args[2]))) {
            Nd4j.write(output, out);
        }
        System.out.println("loaded " + net.getnLayers() + " layers, " + net.numParams() + " parameters");
    }
}
