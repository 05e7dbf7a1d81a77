package io.fedsllm.nn;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs work on a new thread, where PyTorch's grad mode is ON (DJL turns it off only on the thread that loaded the
 * engine), and returns its result; a failure there becomes an AssertionError here.
 */
public final class FreshThread {
    private FreshThread() {}

    public static <T> T call(Callable<T> work) throws InterruptedException {
        AtomicReference<Object> out = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                out.set(work.call());
            } catch (Throwable e) {
                out.set(e);
            }
        }, "fresh-thread");
        t.start();
        t.join();
        if (out.get() instanceof Throwable e) {
            throw new AssertionError("failed on a fresh thread: " + e, e);
        }
        @SuppressWarnings("unchecked")
        T r = (T) out.get();
        return r;
    }
}
