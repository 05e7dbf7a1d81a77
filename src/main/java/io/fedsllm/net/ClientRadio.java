package io.fedsllm.net;

/**
 * What is reported about one client's radio in one round (SYSTEM_MODEL §4): distances and the large-scale
 * gains actually used (path loss + shadowing, as negative dB).
 */
public record ClientRadio(double distanceMainM, double distanceFedM, double gainMainDb, double gainFedDb) {}
