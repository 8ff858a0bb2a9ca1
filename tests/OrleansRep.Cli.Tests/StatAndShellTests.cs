using System.Text.Json;
using OrleansRep.Cli.Tests.Support;
using OrleansRep.Storage;
using Xunit.Abstractions;

namespace OrleansRep.Cli.Tests;

/// <summary><c>orep db stat</c>, <c>orep shell</c> and the error contract every command shares, run as processes.</summary>
public sealed class StatAndShellTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Stat_json_is_one_object_with_databases_and_the_recovery_report()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        HomeContents.Put(home, "first", Enumerable.Range(0, 1000).Select(i => (BitConverter.GetBytes(i), new byte[40])));
        HomeContents.Put(home, "second", [([1], [2])]);

        var stat = await orep.RunAsync("db", "stat", "--home", home, "--json");
        Assert.True(stat.ExitCode == 0, stat.ToString());
        using var json = JsonDocument.Parse(stat.Stdout);
        var root = json.RootElement;
        Assert.Equal(Path.GetFullPath(home), root.GetProperty("home").GetString());
        var databases = root.GetProperty("stats").GetProperty("databases").EnumerateArray()
            .Select(d => (d.GetProperty("name").GetString(), d.GetProperty("entries").GetInt64()))
            .ToList();
        Assert.Equal([("first", 1000L), ("second", 1L)], databases);
        Assert.Equal(16384, root.GetProperty("stats").GetProperty("pageSize").GetInt32());
        Assert.Matches(@"^\[\d+\]\[\d+\]$", root.GetProperty("stats").GetProperty("logEnd").GetString());
        Assert.False(root.GetProperty("recovery").GetProperty("created").GetBoolean());

        var text = await orep.RunAsync("db", "stat", "--home", home);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Matches(@"\n  first +1 +1000 ", text.Stdout);
        Assert.Contains("recovery at open\n", text.Stdout, StringComparison.Ordinal);
        dir.Passed();
    }

    [Fact]
    public async Task Piped_shell_session_answers_each_line_and_persists_its_writes()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("site-1");
        var script = string.Join('\n',
            "put users alice 30",
            "put users bob \"thirty one\"",
            "put users \"c\\x00d\" \\xff",
            "get users alice",
            "get users bob",
            "get users nobody",
            "scan users",
            "scan users b --limit 5",
            "del users alice",
            "del users alice",
            "get nosuchdb k",
            "dbs",
            "checkpoint",
            "quit",
            "put users after quit") + "\n";

        var shell = await orep.RunWithInputAsync(script, "shell", "--home", home);

        // A failed line does not stop the session, but the exit code reports it.
        Assert.True(shell.ExitCode == 2, shell.ToString());
        Assert.Equal("error: database \"nosuchdb\" does not exist\n", shell.Stderr);
        var answers = shell.Stdout[shell.Stdout.IndexOf("ok\n", StringComparison.Ordinal)..];
        Assert.Matches(@"^ok
ok
ok
30
""thirty one""
\(not found\)
alice 30
bob ""thirty one""
c\\x00d \\xff
\(3 pairs\)
bob ""thirty one""
\(1 pairs\)
deleted
\(not found\)
users\t2 entries
\(1 databases\)
checkpoint written; redo LSN \[\d+\]\[\d+\]
$", answers);
        Assert.StartsWith($"orep shell: home {home}\n", shell.Stdout, StringComparison.Ordinal);
        Assert.Contains("created           yes", shell.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("orep> ", shell.Stdout, StringComparison.Ordinal);

        Assert.Equal(["users/626F62=746869727479206F6E65", "users/630064=FF", "users (end)"], HomeContents.Snapshot(home));
        dir.Passed();
    }

    [Fact]
    public async Task A_home_open_elsewhere_is_reported_as_locked_with_exit_1()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        using (var env = StorageEnvironment.Open(home))
        {
            var stat = await orep.RunAsync("db", "stat", "--home", home);
            Assert.True(stat.ExitCode == 1, stat.ToString());
            Assert.Equal($"orep: error: environment {home} is already open by another process (lock file {home}/__orep.lock is held)\n", stat.Stderr);
        }

        dir.Passed();
    }

    [Theory]
    [InlineData("db", "dump", "--db", "x")]
    [InlineData("db", "stress", "--home", "h", "--db", "s", "--count", "1", "--sync", "--nosync")]
    [InlineData("db", "stress", "--home", "h", "--db", "s", "--count", "-1")]
    [InlineData("db", "printlog", "--home", "h", "--count", "many")]
    [InlineData("db", "dump", "--home", "h", "--db", "x", "--all")]
    [InlineData("db", "frobnicate", "--home", "h")]
    [InlineData("db")]
    public async Task Usage_errors_exit_2_with_one_line_and_touch_nothing(params string[] arguments)
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var args = arguments.Select(a => a == "h" ? dir.Combine("h") : a).ToArray();

        var result = await orep.RunAsync(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.Stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("orep: error: ", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.Combine("h")), "a usage error created the home");
        dir.Passed();
    }
}
