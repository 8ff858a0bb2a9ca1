using System.Text;
using OrleansRep.Cli.Tests.Support;
using Xunit.Abstractions;

namespace OrleansRep.Cli.Tests;

/// <summary><c>orep db dump</c> and <c>orep db load</c> run as processes.</summary>
public sealed class DumpLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Dump_load_into_another_home_and_dump_again_gives_identical_text()
    {
        var seed = TestSeed.Next();
        output.WriteLine($"seed {seed} ({TestSeed.Variable}={seed} replays it)");
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var random = new Random(seed);
        var source = dir.Combine("source");
        HomeContents.Put(source, "alpha", HomeContents.RandomPairs(random, 2_500));
        HomeContents.Put(source, "beta", HomeContents.RandomPairs(random, 300));
        HomeContents.Put(source, "empty", []);

        var first = await orep.RunAsync("db", "dump", "--home", source, "--all");
        Assert.True(first.ExitCode == 0, $"seed {seed}: {first}");
        Assert.StartsWith("VERSION=3\nformat=print\ndatabase=alpha\ntype=btree\nHEADER=END\n", first.Stdout, StringComparison.Ordinal);

        // Through stdin, in small transactions, with the names the dump's headers carry.
        var copy = dir.Combine("copy");
        var load = await orep.RunWithInputAsync(first.Stdout, "db", "load", "--home", copy, "--batch", "97");
        Assert.True(load.ExitCode == 0, $"seed {seed}: {load}");
        Assert.Contains("loaded 2800 pairs", load.Stdout, StringComparison.Ordinal);

        var second = await orep.RunAsync("db", "dump", "--home", copy, "--all");
        Assert.True(second.ExitCode == 0, $"seed {seed}: {second}");
        Assert.True(first.Stdout == second.Stdout, $"seed {seed}: the dump of the loaded copy differs from the original's");
        Assert.Equal(HomeContents.Snapshot(source), HomeContents.Snapshot(copy));
        dir.Passed();
    }

    [Fact]
    public async Task Dump_of_one_database_to_a_file_loads_under_another_name()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var source = dir.Combine("source");
        HomeContents.Put(source, "orders", [(Encoding.ASCII.GetBytes("a"), Encoding.ASCII.GetBytes("1")), (Encoding.ASCII.GetBytes("b\\c"), [0, 255])]);
        HomeContents.Put(source, "other", [(Encoding.ASCII.GetBytes("x"), Encoding.ASCII.GetBytes("y"))]);
        var file = dir.Combine("orders.dump");

        var dump = await orep.RunAsync("db", "dump", "--home", source, "--db", "orders", "--file", file);
        Assert.True(dump.ExitCode == 0, dump.ToString());
        Assert.Equal("", dump.Stdout);
        Assert.Equal(
            "VERSION=3\nformat=print\ndatabase=orders\ntype=btree\nHEADER=END\n a\n 1\n b\\\\c\n \\00\\ff\nDATA=END\n",
            await File.ReadAllTextAsync(file, Encoding.Latin1));

        var target = dir.Combine("target");
        var load = await orep.RunAsync("db", "load", "--home", target, "--db", "renamed", "--file", file);
        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.Equal(
            ["renamed/61=31", "renamed/625C63=00FF", "renamed (end)"],
            HomeContents.Snapshot(target));
        dir.Passed();
    }

    [Fact]
    public async Task Load_of_a_malformed_dump_exits_2_naming_the_line_and_changes_nothing()
    {
        var seed = TestSeed.Next();
        output.WriteLine($"seed {seed} ({TestSeed.Variable}={seed} replays it)");
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        HomeContents.Put(home, "data", HomeContents.RandomPairs(new Random(seed), 200));
        var before = HomeContents.Snapshot(home);

        // 600 good pairs, then a bad escape: with --batch 50 a loader that wrote as it read would have committed 12 batches.
        var text = new StringBuilder("VERSION=3\nformat=print\ndatabase=data\ntype=btree\nHEADER=END\n");
        for (var i = 0; i < 600; i++)
        {
            text.Append($" new{i:D5}\n value\n");
        }

        var badLine = 5 + (600 * 2) + 1;
        text.Append(" broken\\q1\n value\nDATA=END\n");

        var load = await orep.RunWithInputAsync(text.ToString(), "db", "load", "--home", home, "--batch", "50");
        Assert.True(load.ExitCode == 2, load.ToString());
        Assert.Contains($"line {badLine}", load.Stderr, StringComparison.Ordinal);
        Assert.Single(load.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", load.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, HomeContents.Snapshot(home));

        // Nor does a bad dump create a home that did not exist.
        var fresh = dir.Combine("fresh");
        var loadFresh = await orep.RunWithInputAsync(text.ToString(), "db", "load", "--home", fresh);
        Assert.Equal(2, loadFresh.ExitCode);
        Assert.False(Directory.Exists(fresh), "a failed load created the home");
        dir.Passed();
    }

    [Fact]
    public async Task Load_refuses_a_multi_database_dump_with_one_target_and_changes_nothing()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var source = dir.Combine("source");
        HomeContents.Put(source, "a", [([1], [2])]);
        HomeContents.Put(source, "b", [([3], [4])]);
        var dump = await orep.RunAsync("db", "dump", "--home", source, "--all");
        var target = dir.Combine("target");
        HomeContents.Put(target, "keep", [([9], [9])]);

        var load = await orep.RunWithInputAsync(dump.Stdout, "db", "load", "--home", target, "--db", "one");
        Assert.True(load.ExitCode == 2, load.ToString());
        Assert.Contains("more than one database", load.Stderr, StringComparison.Ordinal);
        Assert.Equal(["keep/09=09", "keep (end)"], HomeContents.Snapshot(target));
        dir.Passed();
    }

    [Fact]
    public async Task Dump_of_an_unknown_database_or_a_missing_home_exits_2_with_one_line()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        HomeContents.Put(home, "real", [([1], [1])]);

        var unknown = await orep.RunAsync("db", "dump", "--home", home, "--db", "imaginary", "--file", dir.Combine("out.dump"));
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Equal("orep: error: database \"imaginary\" does not exist\n", unknown.Stderr);
        Assert.False(File.Exists(dir.Combine("out.dump")), "a failed dump left its output file");

        var missing = await orep.RunAsync("db", "dump", "--home", dir.Combine("nowhere"), "--all");
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("nowhere")), "dump created the home it was pointed at");
        dir.Passed();
    }
}
