using System.Buffers;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// One reusable encode buffer per thread, so encoding a call or a result allocates only its exact-size output array
/// (not a growing buffer and then a copy). Encoding is synchronous, so a thread uses its buffer start to finish;
/// a nested encode on the same thread (a JSON converter that encodes) finds it taken and gets a fresh one. A buffer
/// that grew past <see cref="MaxRetainedBytes"/> for a large payload is dropped rather than kept by the thread.
/// </summary>
internal static class ScratchBuffer
{
    /// <summary>The largest buffer a thread keeps between encodes: 64 KiB.</summary>
    public const int MaxRetainedBytes = 64 * 1024;

    private const int InitialBytes = 256;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _cached;

    /// <summary>Takes this thread's buffer (empty), or a new one if it is in use.</summary>
    public static ArrayBufferWriter<byte> Rent()
    {
        var buffer = _cached;
        _cached = null;
        return buffer ?? new ArrayBufferWriter<byte>(InitialBytes);
    }

    /// <summary>Copies what was written into an exact-size array and gives the buffer back to this thread.</summary>
    public static byte[] ToArrayAndReturn(ArrayBufferWriter<byte> buffer)
    {
        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity <= MaxRetainedBytes)
        {
            buffer.ResetWrittenCount();
            _cached = buffer;
        }

        return bytes;
    }
}
