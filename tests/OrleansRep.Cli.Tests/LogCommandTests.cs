using System.Text;
using System.Text.RegularExpressions;
using OrleansRep.Cli.Tests.Support;
using OrleansRep.Storage;
using Xunit.Abstractions;

namespace OrleansRep.Cli.Tests;

/// <summary><c>orep db printlog</c>, <c>checkpoint</c>, <c>archive</c> and <c>recover</c> run as processes.</summary>
public sealed partial class LogCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Printlog_lists_each_commit_with_its_operations()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        using (var env = StorageEnvironment.Open(home))
        {
            var db = env.OpenDatabase("d", create: true);
            using (var txn = env.BeginWrite())
            {
                txn.Put(db, Encoding.ASCII.GetBytes("apple"), new byte[7]);
                txn.Put(db, [0x00, 0xff], new byte[3]);
                txn.Commit();
            }

            using (var txn = env.BeginWrite())
            {
                txn.Delete(db, Encoding.ASCII.GetBytes("apple"));
                txn.Commit();
            }
        }

        var log = await orep.RunAsync("db", "printlog", "--home", home);
        Assert.True(log.ExitCode == 0, log.ToString());
        var commits = log.Stdout.Split('\n').Where(l => CommitLine().IsMatch(l)).ToList();
        Assert.True(commits.Count == 3, log.ToString());
        Assert.Contains("ops=1 (create 1)", commits[0], StringComparison.Ordinal);
        Assert.Contains("ops=2 (put 2)", commits[1], StringComparison.Ordinal);
        Assert.Contains("ops=1 (delete 1)", commits[2], StringComparison.Ordinal);

        var verbose = await orep.RunAsync("db", "printlog", "--home", home, "--verbose");
        Assert.Contains("    put    db=1 key=\"apple\" value=7 bytes (new)\n", verbose.Stdout, StringComparison.Ordinal);
        Assert.Contains("    put    db=1 key=0x00ff value=3 bytes (new)\n", verbose.Stdout, StringComparison.Ordinal);
        Assert.Contains("    delete db=1 key=\"apple\" (was 7 bytes)\n", verbose.Stdout, StringComparison.Ordinal);

        // --from the second commit's LSN with --count 1 prints exactly that record.
        var second = commits[1].Split(' ')[0];
        var one = await orep.RunAsync("db", "printlog", "--home", home, "--from", second, "--count", "1");
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Equal(commits[1].TrimEnd() + "\n", one.Stdout.TrimEnd() + "\n");

        var bad = await orep.RunAsync("db", "printlog", "--home", home, "--from", "yesterday");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        dir.Passed();
    }

    [Fact]
    public async Task Printlog_into_a_pipe_closed_early_ends_quietly_and_succeeds()
    {
        using var dir = new ScratchDirectory(output);
        var home = dir.Combine("home");
        using (var env = StorageEnvironment.Open(home))
        {
            var db = env.OpenDatabase("d", create: true);
            for (var i = 0; i < 3000; i++)
            {
                using var txn = env.BeginWrite();
                txn.Put(db, Encoding.ASCII.GetBytes($"key{i:D5}"), new byte[16]);
                txn.Commit(Durability.NoSync);
            }
        }

        // Far more than a pipe buffer of output, read by `head -n 1`, which exits at once.
        var script = $"set -o pipefail; '{OrepExecutable.DotnetHost}' '{OrepExecutable.DllPath}' db printlog --home '{home}' | head -n 1 > /dev/null";
        var info = new System.Diagnostics.ProcessStartInfo("bash", ["-c", script]) { RedirectStandardError = true, UseShellExecute = false };
        using var bash = System.Diagnostics.Process.Start(info)!;
        var stderr = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();

        // .NET's console stream drops writes to a pipe whose reader left (EPIPE), so no error reaches the user.
        Assert.True(bash.ExitCode == 0, $"exit {bash.ExitCode}, stderr: {stderr}");
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Printlog_of_a_damaged_log_exits_3_naming_file_and_offset()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        HomeContents.Put(home, "d", Enumerable.Range(0, 50).Select(i => (BitConverter.GetBytes(i), new byte[100])));

        // Flip a byte inside the one commit record (right after the 32-byte file header); the checkpoint at close means
        // opening never reads that record again, printlog does.
        var logFile = Path.Combine(home, "log.0000000001");
        var bytes = await File.ReadAllBytesAsync(logFile);
        bytes[32 + 500] ^= 0x5a;
        await File.WriteAllBytesAsync(logFile, bytes);

        var log = await orep.RunAsync("db", "printlog", "--home", home);
        Assert.True(log.ExitCode == 3, log.ToString());
        Assert.Matches(@"^orep: error: corruption in .*log\.0000000001 at offset 32: record checksum mismatch", log.Stderr);
        Assert.DoesNotContain("   at ", log.Stderr, StringComparison.Ordinal);
        dir.Passed();
    }

    [Fact]
    public async Task Archive_lists_and_removes_log_files_that_checkpoints_made_unneeded()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        Directory.CreateDirectory(home);

        // Small log files so that a few hundred kilobytes of commits span several of them.
        await File.WriteAllTextAsync(Path.Combine(home, "orep.conf"), "log_file_size 64K\ncheckpoint_log_bytes 0\n");
        for (var round = 0; round < 4; round++)
        {
            HomeContents.Put(home, "d", Enumerable.Range(round * 1000, 1000).Select(i => (BitConverter.GetBytes(i), new byte[120])));
        }

        var logsBefore = Directory.GetFiles(home, "log.*").Length;
        Assert.True(logsBefore >= 4, $"expected several log files, found {logsBefore}");

        var checkpoint = await orep.RunAsync("db", "checkpoint", "--home", home);
        Assert.True(checkpoint.ExitCode == 0, checkpoint.ToString());
        Assert.Matches(@"^checkpoint written; redo LSN \[\d+\]\[\d+\]\n$", checkpoint.Stdout);

        var list = await orep.RunAsync("db", "archive", "--home", home);
        Assert.True(list.ExitCode == 0, list.ToString());
        var listed = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(listed.Length >= logsBefore - 1, list.ToString());
        Assert.All(listed, name => Assert.True(File.Exists(Path.Combine(home, name)), $"{name} listed but missing"));

        var remove = await orep.RunAsync("db", "archive", "--home", home, "--remove");
        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.Equal(list.Stdout, remove.Stdout);
        Assert.All(listed, name => Assert.False(File.Exists(Path.Combine(home, name)), $"{name} was not removed"));

        var again = await orep.RunAsync("db", "archive", "--home", home);
        Assert.Equal("", again.Stdout);
        Assert.Equal(4001, HomeContents.Snapshot(home).Count);
        dir.Passed();
    }

    [Fact]
    public async Task Recover_after_a_kill_reports_replayed_commits_and_leaves_nothing_to_redo()
    {
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");

        // A stress run killed mid-way leaves commits after the last checkpoint: recovery has to replay them.
        var stress = orep.Start("db", "stress", "--home", home, "--db", "s", "--count", "100000", "--nosync");
        using var deadline = new CancellationTokenSource(ProcessFixture.DefaultTimeout);
        for (var acks = 0; acks < 20; acks++)
        {
            Assert.True(await stress.ReadLineAsync(deadline.Token) is not null, $"stress ended early: {stress.Stderr}");
        }

        orep.Kill(stress);

        var recover = await orep.RunAsync("db", "recover", "--home", home);
        Assert.True(recover.ExitCode == 0, recover.ToString());
        Assert.Matches(@"commits replayed +([1-9]\d*)\n", recover.Stdout);
        Assert.Contains("checkpoint written; redo LSN", recover.Stdout, StringComparison.Ordinal);

        var second = await orep.RunAsync("db", "recover", "--home", home);
        Assert.Matches(@"commits replayed +0\n", second.Stdout);
        Assert.Matches(@"torn tail cut +no\n", second.Stdout);
        dir.Passed();
    }

    [GeneratedRegex(@"^\[\d+\]\[\d+\] +Commit ")]
    private static partial Regex CommitLine();
}
