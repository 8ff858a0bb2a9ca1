using System.Text;
using OrleansRep.Cli.Output;
using OrleansRep.Cli.Shell;

namespace OrleansRep.Cli.Tests;

/// <summary>The shell's token notation, in-process: what it reads, and that what it writes reads back the same.</summary>
public sealed class ShellTokenizerTests
{
    [Theory]
    [InlineData("put d k v", new[] { "put", "d", "k", "v" })]
    [InlineData("  get   d\tk  ", new[] { "get", "d", "k" })]
    [InlineData("put d \"a b\" \"\"", new[] { "put", "d", "a b", "" })]
    [InlineData("put d a\\\\b \\\"q\\\"", new[] { "put", "d", "a\\b", "\"q\"" })]
    [InlineData("x\\x41\\x7a", new[] { "xAz" })]
    public void Splits_and_unescapes(string line, string[] expected) =>
        Assert.Equal(expected, ShellTokenizer.Split(line).Select(t => Encoding.UTF8.GetString(t)).ToArray());

    [Theory]
    [InlineData("put d \"open")]
    [InlineData("put d \\q")]
    [InlineData("put d \\x4")]
    [InlineData("put d \\xzz")]
    public void Rejects_bad_quotes_and_escapes(string line) =>
        Assert.Throws<UsageException>(() => ShellTokenizer.Split(line));

    [Fact]
    public void Quoted_bytes_read_back_as_the_same_bytes()
    {
        var random = new Random(7);
        for (var round = 0; round < 500; round++)
        {
            var bytes = new byte[random.Next(0, 20)];
            random.NextBytes(bytes);
            if (round % 3 == 0)
            {
                bytes = Encoding.ASCII.GetBytes("a b\"c\\ d");
            }

            var token = ShellTokenizer.Quote(bytes);
            var back = ShellTokenizer.Split("put " + token);
            Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(back[^1]));
        }
    }

    [Fact]
    public void Describe_shows_text_as_text_and_binary_as_hex()
    {
        Assert.Equal("\"k0000000001\"", ByteText.Describe(Encoding.ASCII.GetBytes("k0000000001")));
        Assert.Equal("0x00ff41", ByteText.Describe([0x00, 0xff, 0x41]));
        Assert.Equal("\"abc\"...(5 bytes)", ByteText.Describe(Encoding.ASCII.GetBytes("abcde"), maxBytes: 3));
    }
}
