package io.sparktrain.model;

/** Element-wise non-linearities a hidden layer may use. */
public enum Activation {
    /** max(0, x). */
    RELU,
    /** x for x > 0, alpha * x otherwise (alpha 0.01 unless the layer sets {@code alpha}). */
    LEAKYRELU,
    TANH,
    SIGMOID,
    /** No non-linearity. */
    IDENTITY
}
