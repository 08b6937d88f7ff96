package io.sparktrain.model;

import io.sparktrain.nn.Dnnl;
import io.sparktrain.nn.FusedConvPool;
import io.sparktrain.nn.OnednnLstm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Saved networks ({@code model.zip}) that plain DL4J 1.0.0-M2 loads with {@code ModelSerializer} and nothing of
 * sparktrain on its class path. The project's own classes stay out of the file:
 * <ul>
 *   <li>a fused {@link FusedConvPool} block is written as the DL4J {@code ConvolutionLayer} + {@code
 *   SubsamplingLayer} pair it replaces (same parameters, same order), and {@link #read} fuses such pairs again where
 *   this JVM runs fused blocks;</li>
 *   <li>an {@link OnednnLstm} (also inside {@code LastTimeStep} or {@code Bidirectional}) is written as DL4J's {@code
 *   LSTM}, the same configuration and parameters, and {@link #read} runs DL4J's LSTMs on oneDNN again where this JVM
 *   does ({@link LstmKernel#preferred()}) and oneDNN computes them exactly;</li>
 *   <li>an optimiser DL4J does not have ({@link MomentumSgd}) is written as DL4J's {@code Sgd} with the same
 *   learning rate; its state and the project's configuration go into entries under {@code sparktrain/}, which
 *   {@link #read} restores and DL4J ignores.</li>
 * </ul>
 * The file also carries a {@link ModelDescription} ({@code sparktrain/model.json}). The exception is a network with
 * GRU layers ({@link io.sparktrain.nn.Gru}): DL4J has no GRU, so its file names sparktrain's layer class and loads
 * only with sparktrain on the class path.
 */
public final class ModelFiles {
    private static final String PREFIX = "sparktrain/";
    private static final String DESCRIPTION = PREFIX + "model.json";
    private static final String CONFIGURATION = PREFIX + "configuration.json";
    private static final String UPDATER_STATE = PREFIX + "updaterState.bin";
    private static final String CLASS = "@class";

    private ModelFiles() {
    }

    /**
     * A network read back.
     *
     * @param network the network as this project trains it (fused blocks where this JVM runs them)
     * @param description what it reads and predicts, when the file has one
     */
    public record Loaded(MultiLayerNetwork network, Optional<ModelDescription> description) {
    }

    /**
     * Writes {@code network} (parameters, optimiser state, iteration and epoch counts) in plain DL4J form.
     *
     * @param description stored beside it; null for none
     */
    public static void write(MultiLayerNetwork network, ModelDescription description, OutputStream out)
            throws IOException {
        MultiLayerConfiguration own = network.getLayerWiseConfigurations();
        JsonNode ownJson = mapper().readTree(own.toJson());
        ObjectNode plainJson = unfused(ownJson);
        boolean keepsState = replaceForeignUpdaters(plainJson);
        MultiLayerNetwork plain = copy(network, MultiLayerConfiguration.fromJson(plainJson.toString()), false,
                !keepsState);
        ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
        ModelSerializer.writeModel(plain, dl4j, true);
        ZipOutputStream zip = new ZipOutputStream(out);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(dl4j.toByteArray()))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                zip.putNextEntry(new ZipEntry(e.getName()));
                in.transferTo(zip);
                zip.closeEntry();
            }
        }
        if (description != null) {
            entry(zip, DESCRIPTION, mapper().writeValueAsBytes(description.toMap()));
        }
        if (!keepsState) {
            entry(zip, CONFIGURATION, own.toJson().getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream state = new ByteArrayOutputStream();
            Nd4j.write(network.getUpdater().getStateViewArray(), new java.io.DataOutputStream(state));
            entry(zip, UPDATER_STATE, state.toByteArray());
        }
        zip.finish();
        zip.flush();
    }

    /** Reads a file {@link #write} wrote (or any DL4J {@code MultiLayerNetwork} file), as this project runs it. */
    public static Loaded read(InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        Map<String, byte[]> ours = new TreeMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().startsWith(PREFIX)) {
                    ours.put(e.getName(), zip.readAllBytes());
                }
            }
        }
        MultiLayerNetwork plain = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), true);
        MultiLayerNetwork network;
        if (ours.containsKey(CONFIGURATION)) {
            JsonNode own = mapper().readTree(ours.get(CONFIGURATION));
            network = copy(plain, configuration(unfused(own)), true, true);
            INDArray state = Nd4j.read(new java.io.DataInputStream(new ByteArrayInputStream(ours.get(UPDATER_STATE))));
            network.getUpdater().getStateViewArray().assign(state);
        } else {
            network = copy(plain, configuration(mapper().readTree(plain.getLayerWiseConfigurations().toJson())), true,
                    false);
        }
        Optional<ModelDescription> description = Optional.empty();
        if (ours.containsKey(DESCRIPTION)) {
            description = Optional.of(ModelDescription.fromMap(mapper().readValue(ours.get(DESCRIPTION),
                    new TypeReference<Map<String, Object>>() { })));
        }
        return new Loaded(network, description);
    }

    /**
     * The configuration as this JVM trains it: plain pairs fused where {@link ConvBlocks#preferred()} says so, LSTMs
     * on oneDNN where {@link LstmKernel#preferred()} does.
     */
    private static MultiLayerConfiguration configuration(JsonNode plain) throws IOException {
        JsonNode json = ConvBlocks.preferred() == ConvBlocks.FUSED_ONEDNN && Dnnl.usable() ? fused(plain)
                : plain.deepCopy();
        if (LstmKernel.preferred() == LstmKernel.ONEDNN) {
            onednnLstms(json);
        }
        return MultiLayerConfiguration.fromJson(json.toString());
    }

    /** Renames every {@link OnednnLstm} in {@code node} (wrapped ones too) to DL4J's LSTM. */
    private static void plainLstms(JsonNode node) {
        if (node instanceof ObjectNode o && OnednnLstm.class.getName().equals(o.path(CLASS).asText())) {
            o.put(CLASS, LSTM.class.getName());
        }
        node.forEach(ModelFiles::plainLstms);
    }

    /** Renames every DL4J LSTM in {@code node} (wrapped ones too) that oneDNN runs exactly to {@link OnednnLstm}. */
    private static void onednnLstms(JsonNode node) throws IOException {
        if (node instanceof ObjectNode o && LSTM.class.getName().equals(o.path(CLASS).asText())
                && OnednnLstm.runsExactly((LSTM) mapper().treeToValue(o, Layer.class))) {
            o.put(CLASS, OnednnLstm.class.getName());
        }
        for (JsonNode child : node) {
            onednnLstms(child);
        }
    }

    /**
     * {@code configuration} with every fused block written as its convolution and subsampling layers and every
     * oneDNN LSTM as DL4J's.
     */
    public static MultiLayerConfiguration plain(MultiLayerConfiguration configuration) {
        try {
            return MultiLayerConfiguration.fromJson(unfused(mapper().readTree(configuration.toJson())).toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode unfused(JsonNode configuration) throws IOException {
        ObjectNode json = configuration.deepCopy();
        ArrayNode confs = (ArrayNode) json.get("confs");
        ArrayNode out = mapper().createArrayNode();
        TreeMap<Integer, JsonNode> pre = preprocessors(json);
        TreeMap<Integer, JsonNode> shifted = new TreeMap<>();
        for (int i = 0; i < confs.size(); i++) {
            ObjectNode conf = (ObjectNode) confs.get(i);
            if (pre.containsKey(i)) {
                shifted.put(out.size(), pre.get(i));
            }
            ObjectNode layer = (ObjectNode) conf.get("layer");
            if (!FusedConvPool.class.getName().equals(layer.path(CLASS).asText())) {
                out.add(conf);
                continue;
            }
            FusedConvPool block = mapper().treeToValue(layer, FusedConvPool.class);
            ObjectNode conv = layer.deepCopy();
            conv.put(CLASS, ConvolutionLayer.class.getName());
            conv.remove(java.util.List.of("poolingType", "poolKernel", "poolStride"));
            conf.set("layer", conv);
            out.add(conf);
            SubsamplingLayer pool = new SubsamplingLayer.Builder(block.getPoolingType())
                    .kernelSize(block.getPoolKernel()).stride(block.getPoolStride()).padding(0, 0)
                    .convolutionMode(block.getConvolutionMode()).build();
            ObjectNode poolConf = conf.deepCopy();
            poolConf.set("layer", mapper().valueToTree(pool));
            out.add(poolConf);
        }
        plainLstms(out);
        return renumbered(json, out, shifted);
    }

    private static JsonNode fused(JsonNode plain) throws IOException {
        ObjectNode json = plain.deepCopy();
        ArrayNode confs = (ArrayNode) json.get("confs");
        MultiLayerConfiguration parsed = MultiLayerConfiguration.fromJson(plain.toString());
        TreeMap<Integer, JsonNode> pre = preprocessors(json);
        TreeMap<Integer, JsonNode> shifted = new TreeMap<>();
        ArrayNode out = mapper().createArrayNode();
        for (int i = 0; i < confs.size(); i++) {
            if (pre.containsKey(i)) {
                shifted.put(out.size(), pre.get(i));
            }
            ObjectNode conf = (ObjectNode) confs.get(i);
            Layer layer = parsed.getConf(i).getLayer();
            Layer next = i + 1 < confs.size() ? parsed.getConf(i + 1).getLayer() : null;
            if (layer instanceof ConvolutionLayer conv && next != null && next.getClass() == SubsamplingLayer.class
                    && !pre.containsKey(i + 1) && fusable(conv, (SubsamplingLayer) next)) {
                SubsamplingLayer pool = (SubsamplingLayer) next;
                ObjectNode block = ((ObjectNode) conf.get("layer")).deepCopy();
                block.put(CLASS, FusedConvPool.class.getName());
                block.put("poolingType", pool.getPoolingType().name());
                block.set("poolKernel", mapper().valueToTree(pool.getKernelSize()));
                block.set("poolStride", mapper().valueToTree(pool.getStride()));
                conf.set("layer", block);
                out.add(conf);
                i++;
                continue;
            }
            out.add(conf);
        }
        return renumbered(json, out, shifted);
    }

    private static boolean fusable(ConvolutionLayer conv, SubsamplingLayer pool) {
        return FusedConvPool.fusable(conv, pool.getPoolingType(), pool.getPadding(), pool.getConvolutionMode())
                && pool.getDilation()[0] == 1 && pool.getDilation()[1] == 1
                && pool.getCnn2dDataFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NCHW
                && pool.getIDropout() == null;
    }

    /** Replaces optimisers DL4J lacks by DL4J's Sgd at the same rate; false when any was replaced. */
    private static boolean replaceForeignUpdaters(ObjectNode json) {
        boolean kept = true;
        for (JsonNode conf : json.get("confs")) {
            ObjectNode layer = (ObjectNode) conf.get("layer");
            for (String field : new String[] {"iupdater", "biasUpdater"}) {
                JsonNode updater = layer.get(field);
                if (updater != null && MomentumSgd.class.getName().equals(updater.path(CLASS).asText())) {
                    MomentumSgd own = mapper().convertValue(updater, MomentumSgd.class);
                    Sgd sgd = own.getLearningRateSchedule() == null ? new Sgd(own.getLearningRate())
                            : new Sgd(own.getLearningRateSchedule());
                    layer.set(field, mapper().valueToTree(sgd));
                    kept = false;
                }
            }
        }
        return kept;
    }

    private static TreeMap<Integer, JsonNode> preprocessors(JsonNode json) {
        TreeMap<Integer, JsonNode> pre = new TreeMap<>();
        JsonNode node = json.get("inputPreProcessors");
        if (node != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                pre.put(Integer.parseInt(e.getKey()), e.getValue());
            }
        }
        return pre;
    }

    private static ObjectNode renumbered(ObjectNode json, ArrayNode confs, TreeMap<Integer, JsonNode> pre) {
        for (int i = 0; i < confs.size(); i++) {
            ((ObjectNode) confs.get(i).get("layer")).put("layerName", "layer" + i);
        }
        json.set("confs", confs);
        ObjectNode p = mapper().createObjectNode();
        pre.forEach((k, v) -> p.set(String.valueOf(k), v));
        json.set("inputPreProcessors", p);
        return json;
    }

    /** A network of {@code configuration} with {@code from}'s parameters (and optimiser state). */
    private static MultiLayerNetwork copy(MultiLayerNetwork from, MultiLayerConfiguration configuration,
                                          boolean project, boolean skipState) {
        MultiLayerNetwork to;
        if (project) {
            to = NetworkFactory.build(configuration);
        } else {
            to = new MultiLayerNetwork(configuration);
            to.init();
        }
        to.setParams(from.params());
        if (!skipState && from.getUpdater() != null && from.getUpdater().getStateViewArray() != null) {
            to.getUpdater().getStateViewArray().assign(from.getUpdater().getStateViewArray());
        }
        return to;
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    private static ObjectMapper mapper() {
        return NeuralNetConfiguration.mapper();
    }
}
