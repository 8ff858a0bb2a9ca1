using OrleansRep.Cli.Load;

namespace OrleansRep.Cli.Tests;

/// <summary>The load's progress line, in-process (a real run only draws it when stderr is a terminal).</summary>
public sealed class LoadProgressTests
{
    [Fact]
    public void Draws_a_carriage_return_line_with_pairs_megabytes_and_rate_and_erases_it()
    {
        using var error = new StringWriter();
        var progress = new LoadProgress(error, enabled: true);
        progress.Begin("loading", 400);
        progress.Advance(100, 3 << 20);

        var drawn = error.ToString();
        Assert.StartsWith("\rloading 100/400 (25%) pairs, 3.0 MB, ", drawn, StringComparison.Ordinal);
        Assert.EndsWith(" pairs/s", drawn, StringComparison.Ordinal);

        progress.Clear();
        var width = drawn.Length - 1;
        Assert.Equal(drawn + "\r" + new string(' ', width) + "\r", error.ToString());
    }

    [Fact]
    public void Draws_nothing_when_disabled()
    {
        using var error = new StringWriter();
        var progress = new LoadProgress(error, enabled: false);
        progress.Begin("loading", 10);
        progress.Advance(10, 100);
        progress.Clear();
        Assert.Equal("", error.ToString());
        Assert.Equal(10, progress.Pairs);
    }
}
