package io.sparktrain.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * An ONNX graph under construction: nodes in topological order, float32 weights as initializers, and fresh tensor
 * names. Every node has exactly one output here (ONNX lets LSTM and RNN leave their trailing outputs unnamed).
 */
final class OnnxGraph {
    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private int names;

    /** The graph as built so far. */
    Onnx.GraphProto.Builder proto() {
        return graph;
    }

    /** A tensor name not used before, readable in a viewer such as Netron. */
    String fresh(String base) {
        return base + "_" + names++;
    }

    /**
     * A float32 weight tensor.
     *
     * @param values row-major ('c' order) values of a tensor shaped {@code dims}
     * @return its name
     */
    String floats(String base, long[] dims, float[] values) {
        long size = 1;
        for (long d : dims) {
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalStateException(values.length + " values for a tensor of " + size);
        }
        // ONNX stores raw_data little-endian whatever the machine.
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        String name = fresh(base);
        graph.addInitializer(Onnx.TensorProto.newBuilder()
                .setName(name)
                .setDataType(Onnx.TensorProto.DataType.FLOAT)
                .addAllDims(toList(dims))
                .setRawData(ByteString.copyFrom(bytes)));
        return name;
    }

    /** An int64 tensor (shapes, axes, indices); {@code dims} empty for a scalar. */
    String longs(String base, long[] dims, long... values) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder()
                .setName(fresh(base))
                .setDataType(Onnx.TensorProto.DataType.INT64)
                .addAllDims(toList(dims));
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return t.getName();
    }

    /**
     * Appends a node.
     *
     * @param op the ONNX operator (default domain)
     * @param doc why the node is there, e.g. which DL4J layer it comes from
     * @param inputs input tensor names; an empty string skips an optional input
     * @return the name of its (only) output
     */
    String node(String op, String doc, List<String> inputs, Onnx.AttributeProto... attributes) {
        String output = fresh(op.toLowerCase());
        graph.addNode(Onnx.NodeProto.newBuilder()
                .setName(output)
                .setOpType(op)
                .setDocString(doc)
                .addAllInput(inputs)
                .addOutput(output)
                .addAllAttribute(List.of(attributes)));
        return output;
    }

    /** Renames the output of the node that produced {@code from}, which must be the last node. */
    void renameLastOutput(String from, String to) {
        int last = graph.getNodeCount() - 1;
        if (last < 0 || !graph.getNode(last).getOutput(0).equals(from)) {
            throw new IllegalStateException(from + " is not the output of the last node");
        }
        graph.setNode(last, graph.getNode(last).toBuilder().setOutput(0, to).setName(to));
    }

    static Onnx.AttributeProto attr(String name, long value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    static Onnx.AttributeProto attr(String name, float value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }

    static Onnx.AttributeProto attr(String name, String value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    static Onnx.AttributeProto ints(String name, long... values) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static Onnx.AttributeProto strings(String name, List<String> values) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.STRINGS);
        for (String v : values) {
            a.addStrings(ByteString.copyFrom(v, StandardCharsets.UTF_8));
        }
        return a.build();
    }

    /**
     * A float32 tensor's name and shape for the graph's inputs and outputs.
     *
     * @param dims sizes; a {@code String} entry is a symbolic (dynamic) dimension, a {@code Long} a fixed one
     */
    static Onnx.ValueInfoProto floatValue(String name, String doc, List<Object> dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            Onnx.TensorShapeProto.Dimension.Builder dim = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String symbol) {
                dim.setDimParam(symbol);
            } else {
                dim.setDimValue((Long) d);
            }
            shape.addDim(dim);
        }
        return Onnx.ValueInfoProto.newBuilder()
                .setName(name)
                .setDocString(doc)
                .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                        .setElemType(Onnx.TensorProto.DataType.FLOAT)
                        .setShape(shape)))
                .build();
    }

    private static List<Long> toList(long[] dims) {
        return java.util.Arrays.stream(dims).boxed().toList();
    }
}
