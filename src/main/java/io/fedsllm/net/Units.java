package io.fedsllm.net;

/** Decibel conversions: the one place dB, dBm and watts are converted. */
public final class Units {
    private Units() {}

    /** 10^(dB/10). */
    public static double dbToLinear(double db) {
        return Math.pow(10, db / 10);
    }

    /** 10 log10(x). */
    public static double linearToDb(double linear) {
        return 10 * Math.log10(linear);
    }

    /** dBm → W: 0 dBm = 1 mW. Also converts dBm/Hz to W/Hz. */
    public static double dbmToW(double dbm) {
        return dbToLinear(dbm - 30);
    }

    /** W → dBm. */
    public static double wToDbm(double watts) {
        return linearToDb(watts) + 30;
    }
}
