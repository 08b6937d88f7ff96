/**
 * Exports trained networks to other runtimes: {@link io.sparktrain.export.OnnxExport} writes a DL4J
 * {@code MultiLayerNetwork} as an ONNX model whose input and output keep DL4J's layouts, tested against ONNX Runtime.
 * No Spark imports, like {@code model}.
 */
package io.sparktrain.export;
