package io.fedsllm.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void dbmAndWattsConvertBothWays() {
        // 20 dBm = 10^((20 − 30)/10) W = 0.1 W; 30 dBm = 1 W; 0 dBm = 1 mW.
        assertEquals(0.1, Units.dbmToW(20), 1e-15);
        assertEquals(1.0, Units.dbmToW(30), 1e-15);
        assertEquals(1e-3, Units.dbmToW(0), 1e-18);
        assertEquals(30.0, Units.wToDbm(1.0), 1e-12);
        assertEquals(-3.0, Units.wToDbm(Units.dbmToW(-3.0)), 1e-12);
        // Noise PSD −174 dBm/Hz = 10^(−204/10) W/Hz = 10^−20.4 = 3.981071705534986e−21 W/Hz.
        assertEquals(3.981071705534986e-21, Units.dbmToW(-174), 1e-33);
    }

    @Test
    void dbAndLinearConvertBothWays() {
        // 10 dB = ×10; 3 dB = 10^0.3 = 1.9952623149688795; −90.5 dB = 10^−9.05.
        assertEquals(10.0, Units.dbToLinear(10), 1e-12);
        assertEquals(1.9952623149688795, Units.dbToLinear(3), 1e-15);
        assertEquals(8.912509381337441e-10, Units.dbToLinear(-90.5), 1e-22);
        assertEquals(-20.0, Units.linearToDb(0.01), 1e-12);
    }
}
