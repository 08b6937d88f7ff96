package io.sparktrain.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.TestData;
import io.sparktrain.data.ExampleSet;
import io.sparktrain.model.Activation;
import io.sparktrain.model.ConvBlocks;
import io.sparktrain.model.LayerSpec;
import io.sparktrain.model.NetworkFactory;
import io.sparktrain.model.NetworkSpec;
import io.sparktrain.model.Padding;
import io.sparktrain.model.Shape;
import io.sparktrain.model.UpdaterSpec;
import io.sparktrain.nn.Dl4jConvHelper;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** The native stack report, the kernel self-check and the libnd4j convolution path. */
class KernelsTest {

    @Test
    void selfCheckPassesOnThisMachinesNativeBuildAndTheReportNamesIt() {
        NativeReport report = NativeReport.examine();
        assertTrue(report.healthy(), report.describe());
        assertEquals(List.of("conv2d 3x3 pad 1", "maxpool 2x2", "lstm 2 steps", "fused conv+relu+maxpool",
                        "onednn lstm 5 steps, masked", "gru 3 steps bidirectional"),
                report.checks().stream().map(KernelCheck.Result::kernel).toList());
        assertEquals("CPU", report.backend());
        assertTrue(report.ompThreads() > 0 && report.blasThreads() > 0, report.describe());
        assertEquals(List.of("conv", "pooling", "batchnorm", "lstm", "conv+pool", "lstm-onednn", "gru"),
                List.copyOf(report.helpers().keySet()));
        assertTrue(report.helpers().get("lstm-onednn").startsWith("OnednnLstmLayer (oneDNN 2.5.2, "),
                report.describe());
        assertTrue(report.helpers().get("conv+pool").startsWith("FusedConvPoolLayer (oneDNN 2.5.2, jit:"),
                report.describe());
        assertTrue(report.describe().contains("check lstm      ok"), report.describe());
        assertEquals("GruLayer (oneDNN 2.5.2 lbr_gru)", report.helpers().get("gru"));
        assertEquals("", report.failures());
        java.util.Map<String, Object> map = report.toMap();
        assertEquals(List.of("host", "backend", "blasVendor", "blasThreads", "ompThreads", "ompNumThreadsEnv", "cores",
                "platform", "extension", "oneDnn", "cpuFlags", "helpers", "memory", "checks"), List.copyOf(map.keySet()));
        assertEquals(java.util.Map.of("kernel", "lstm 2 steps", "maxAbsError", report.checks().get(2).maxAbsError(),
                "passed", true), ((List<?>) map.get("checks")).get(2));
    }

    @Test
    void aWrongKernelResultFailsTheCheckWithTheKernelAndTheError() {
        KernelCheck.Result bad = new KernelCheck.Result("conv2d 3x3 pad 1", 0.5, false);
        NativeReport good = NativeReport.examine();
        NativeReport broken = new NativeReport(good.host(), good.backend(), good.blasVendor(), good.blasThreads(),
                good.ompThreads(), good.ompNumThreadsEnv(), good.cores(), good.platform(), "-avx512", good.oneDnn(),
                good.cpuFlags(), good.helpers(), good.memory(), List.of(bad, good.checks().get(1)));
        assertFalse(broken.healthy());
        String message = new BrokenKernelsException("executor 3 on node7", broken).getMessage();
        assertTrue(message.startsWith("executor 3 on node7: native kernel self-check failed (conv2d 3x3 pad 1 off by "
                + "0.500); native build linux-x86_64-avx512"), message);
    }

    @Test
    void libnd4jConvolutionTrainsLikeDl4jsBuiltInOne() {
        NetworkSpec spec = new NetworkSpec("c", Shape.map(1, 8, 8), List.of(
                new LayerSpec.Conv(4, 3, 3, 1, 1, Padding.of(1, 1), 1, 1, Activation.RELU, 0),
                new LayerSpec.Pool(true, 2, 2, 2, 2, Padding.VALID),
                new LayerSpec.Conv(3, 3, 3, 1, 1, Padding.VALID, 1, 1, Activation.RELU, 0),
                new LayerSpec.Output()), 3);
        UpdaterSpec adam = new UpdaterSpec(UpdaterSpec.Kind.ADAM, 0.01, 0);
        MultiLayerNetwork builtIn = new MultiLayerNetwork(
                NetworkFactory.configuration(spec, adam, 5, 0, ConvBlocks.SEPARATE_DL4J));
        builtIn.init();
        MultiLayerNetwork viaOps = new MultiLayerNetwork(
                NetworkFactory.configuration(spec, adam, 5, 0, ConvBlocks.SEPARATE_DL4J));
        viaOps.init();
        assertEquals(2, Dl4jConvHelper.forceConvolutionHelper(viaOps));
        assertNull(builtIn.getLayer(0).getHelper());
        assertNotNull(viaOps.getLayer(0).getHelper());

        ExampleSet data = TestData.images(24, 3, 8, 4);
        DataSet batch = data.toDataSet();
        assertArrayEquals(builtIn.output(batch.getFeatures()).data().asFloat(),
                viaOps.output(batch.getFeatures()).data().asFloat(), 1e-5f);
        for (int i = 0; i < 3; i++) {
            builtIn.fit(batch);
            viaOps.fit(batch);
        }
        assertEquals(builtIn.score(), viaOps.score(), 1e-5);
        assertArrayEquals(builtIn.params().toFloatVector(), viaOps.params().toFloatVector(), 1e-4f);
    }
}
