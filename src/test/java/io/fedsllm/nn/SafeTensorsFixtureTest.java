package io.fedsllm.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedsllm.config.UserError;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safetensors reader on a file built here byte by byte (not by the project's writer): an F32, an F16 and a
 * BF16 tensor, as PyTorch writes half-precision checkpoints, with values whose bit patterns are known.
 */
class SafeTensorsFixtureTest {
    @TempDir
    Path dir;

    static final String HEADER = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"f32\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"f16\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[8,20]},"
            + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[20,26]}}";

    /** Little-endian raw bytes of the three tensors. */
    static final int[] DATA = {
            0x00, 0x00, 0xC0, 0x3F,   // F32 1.5    = 0x3FC00000
            0x00, 0x00, 0x10, 0xC0,   // F32 -2.25  = 0xC0100000
            0x00, 0x3C,               // F16 1.0    = 0x3C00
            0x00, 0xC0,               // F16 -2.0   = 0xC000
            0x00, 0x38,               // F16 0.5    = 0x3800
            0xFF, 0x7B,               // F16 65504 (largest finite) = 0x7BFF
            0x01, 0x00,               // F16 2^-24 (smallest subnormal) = 0x0001
            0x55, 0x35,               // F16 0.333251953125 = 0x3555
            0x80, 0x3F,               // BF16 1.0     = 0x3F80
            0x60, 0xC0,               // BF16 -3.5    = 0xC060
            0x20, 0x3E};              // BF16 0.15625 = 0x3E20

    static byte[] file(String header, int[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        long len = h.length;
        for (int i = 0; i < 8; i++) {
            out.write((int) (len >>> (8 * i)) & 0xFF); // u64 little-endian header length
        }
        out.write(h, 0, h.length);
        for (int b : data) {
            out.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void decodesF32F16AndBf16Tensors() throws Exception {
        Path f = dir.resolve("half.safetensors");
        Files.write(f, file(HEADER, DATA));
        Map<String, SafeTensors.Tensor> t = SafeTensors.read(f);
        assertEquals(List.of("f32", "f16", "bf16"), List.copyOf(t.keySet()));
        assertArrayEquals(new long[] {2}, t.get("f32").shape());
        assertArrayEquals(new float[] {1.5f, -2.25f}, t.get("f32").data());
        assertArrayEquals(new long[] {2, 3}, t.get("f16").shape());
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f, 0x1p-24f, 0.333251953125f}, t.get("f16").data());
        assertArrayEquals(new long[] {3}, t.get("bf16").shape());
        assertArrayEquals(new float[] {1f, -3.5f, 0.15625f}, t.get("bf16").data());
        assertEquals(Map.of("format", "pt"), SafeTensors.metadata(Files.readAllBytes(f), f.toString()));
    }

    @Test
    void unsupportedDtypeAndShortDataAreRejectedNamingTheTensor() throws Exception {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, file(HEADER.replace("\"BF16\"", "\"I8\""), DATA));
        UserError dtype = assertThrows(UserError.class, () -> SafeTensors.read(f));
        assertTrue(dtype.getMessage().contains("'bf16' has dtype I8") && dtype.getMessage().contains(f.toString()), dtype.getMessage());
        Files.write(f, file(HEADER, java.util.Arrays.copyOf(DATA, DATA.length - 2)));
        UserError shortData = assertThrows(UserError.class, () -> SafeTensors.read(f));
        assertTrue(shortData.getMessage().contains("'bf16'") && shortData.getMessage().contains("[20, 26]"), shortData.getMessage());
    }

    @Test
    void writtenMetadataIsSortedWhateverTheMapsOrder() {
        Map<String, SafeTensors.Tensor> tensors = Map.of("w", new SafeTensors.Tensor(new long[] {2}, new float[] {1f, 2f}));
        Map<String, String> ascending = new java.util.LinkedHashMap<>();
        ascending.put("format", "x");
        ascending.put("rank", "4");
        Map<String, String> descending = new java.util.LinkedHashMap<>();
        descending.put("rank", "4");
        descending.put("format", "x");
        byte[] a = SafeTensors.toBytes(tensors, ascending);
        assertArrayEquals(a, SafeTensors.toBytes(tensors, descending));
        String header = new String(a, StandardCharsets.UTF_8);
        assertTrue(header.indexOf("\"format\"") < header.indexOf("\"rank\""), header);
    }
}
