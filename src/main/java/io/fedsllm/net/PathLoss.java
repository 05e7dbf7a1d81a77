package io.fedsllm.net;

import io.fedsllm.config.RadioSettings;

/** Distance-dependent path loss (SYSTEM_MODEL §4): PL(d) = intercept + slope · log10(d / 1 km), dB. */
public final class PathLoss {
    private PathLoss() {}

    /** Path loss at {@code distanceM} metres (already clamped by the caller), dB. */
    public static double db(RadioSettings radio, double distanceM) {
        return radio.pathLossInterceptDb() + radio.pathLossSlopeDbPerDecade() * Math.log10(distanceM / 1000.0);
    }
}
