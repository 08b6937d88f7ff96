package io.sparktrain.training;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import io.sparktrain.model.NetworkFactory;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Networks kept per executor JVM between rounds, so that a round costs a parameter copy rather than a network
 * construction. Each task borrows its own instance (tasks on one executor run concurrently) and gives it back.
 */
final class NetworkCache {
    private static final Map<String, ConcurrentLinkedDeque<MultiLayerNetwork>> POOL = new ConcurrentHashMap<>();

    private NetworkCache() {
    }

    static MultiLayerNetwork borrow(String configurationJson) {
        MultiLayerNetwork net = POOL.computeIfAbsent(configurationJson, k -> new ConcurrentLinkedDeque<>()).pollFirst();
        if (net == null) {
            net = NetworkFactory.build(MultiLayerConfiguration.fromJson(configurationJson));
        }
        return net;
    }

    static void giveBack(String configurationJson, MultiLayerNetwork net) {
        POOL.computeIfAbsent(configurationJson, k -> new ConcurrentLinkedDeque<>()).addFirst(net);
    }
}
