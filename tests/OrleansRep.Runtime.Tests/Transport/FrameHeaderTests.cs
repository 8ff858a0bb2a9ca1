using System.Buffers;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Transport;

public sealed class FrameHeaderTests
{
    [Fact]
    public void A_written_header_reads_back_equal()
    {
        var header = new FrameHeader(FrameKind.Response, long.MaxValue - 3, 12345);
        byte[] bytes = new byte[FrameHeader.Size];
        header.Write(bytes);

        FrameHeader read = FrameHeader.Read(bytes, 1 << 20);

        Assert.Equal(header, read);
        Assert.Equal(FrameHeader.CurrentVersion, bytes[0]);
        Assert.Equal((byte)FrameKind.Response, bytes[1]);
    }

    [Theory]
    [InlineData(2, 4, 0, 0, "version")]
    [InlineData(1, 0, 0, 0, "kind")]
    [InlineData(1, 99, 0, 0, "kind")]
    [InlineData(1, 4, 1, 0, "flags")]
    [InlineData(1, 4, 0, -1, "length")]
    [InlineData(1, 4, 0, 2048, "length")]
    public void A_bad_header_is_rejected_with_its_reason(byte version, byte kind, byte flags, int length, string reason)
    {
        byte[] bytes = RawFrameSocket.Header(version, kind, flags, length, 7);

        var error = Assert.Throws<FrameFormatException>(() => FrameHeader.Read(bytes, 1024));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reader_takes_whole_frames_only_and_leaves_the_rest()
    {
        byte[] frames = new byte[2 * FrameHeader.Size + 5 + 3];
        new FrameHeader(FrameKind.OneWay, 1, 5).Write(frames);
        "hello"u8.CopyTo(frames.AsSpan(FrameHeader.Size));
        new FrameHeader(FrameKind.OneWay, 2, 3).Write(frames.AsSpan(FrameHeader.Size + 5));
        "abc"u8.CopyTo(frames.AsSpan(2 * FrameHeader.Size + 5));

        // All but the last byte: the first frame comes out, the second waits for its last byte.
        var buffer = new ReadOnlySequence<byte>(frames, 0, frames.Length - 1);
        Assert.True(FrameReader.TryRead(ref buffer, 1024, out FrameHeader first, out ReadOnlySequence<byte> payload));
        Assert.Equal(1, first.CorrelationId);
        Assert.Equal("hello"u8.ToArray(), payload.ToArray());
        Assert.False(FrameReader.TryRead(ref buffer, 1024, out _, out _));
        Assert.Equal(FrameHeader.Size + 2, buffer.Length);
    }
}
