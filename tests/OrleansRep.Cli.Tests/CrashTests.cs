using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansRep.Cli.Tests.Support;
using OrleansRep.Storage;
using Xunit.Abstractions;

namespace OrleansRep.Cli.Tests;

/// <summary>
/// Kill -9 tests: run <c>orep db stress</c>, read its acks up to a seeded random count, SIGKILL it, reopen the home
/// in-process (which recovers it) and check that every acked key is there with its exact value and that no key holds
/// anything but its own value; then the next cycle continues on the same home. About one cycle in four skips the
/// check, so the next stress process has to recover the crashed home itself (and may be killed right after); the
/// check after it then covers both. <c>OREP_LONG=1</c> runs 700 cycles per variant instead of the default handful;
/// <c>OREP_SEED</c> replays a run.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string Database = "stress";
    private const int KeysPerRun = 1_000_000;
    private const int MaxAcksPerCycle = 250;

    [Fact]
    public Task Single_writer_sync_commits_survive_kill_9() =>
        RunCyclesAsync(cycles: 20, config: null, "--sync");

    [Fact]
    public Task Eight_writers_in_batches_of_four_survive_kill_9_across_checkpoints_and_log_files() =>
        // Small log files and frequent background checkpoints, so kills also land while a checkpoint runs or the log
        // moves to a new file.
        RunCyclesAsync(cycles: 20, config: "log_file_size 64K\ncheckpoint_log_bytes 24K\n", "--sync", "--concurrency", "8", "--batch", "4");

    [Fact]
    public Task Nosync_commits_survive_kill_9_of_the_process() =>
        // NoSync commits are written to the OS before they return: a process crash (unlike a machine crash) keeps them.
        RunCyclesAsync(cycles: 12, config: "checkpoint_log_bytes 32K\n", "--nosync", "--batch", "3", "--concurrency", "2");

    private async Task RunCyclesAsync(int cycles, string? config, params string[] variant)
    {
        if (TestSeed.LongMode)
        {
            cycles = 700;
        }

        var seed = TestSeed.Next();
        output.WriteLine($"seed {seed} ({TestSeed.Variable}={seed} replays it)");
        var random = new Random(seed);
        using var dir = new ScratchDirectory(output);
        using var orep = new ProcessFixture();
        var home = dir.Combine("home");
        Directory.CreateDirectory(home);
        if (config is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(home, "orep.conf"), config);
        }

        var acked = new HashSet<long>();
        long next = 0;
        var clock = Stopwatch.StartNew();
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var context = $"seed {seed} ({TestSeed.Variable}={seed} replays it), cycle {cycle}, variant {string.Join(' ', variant)}, home {home}";
            var target = random.Next(1, MaxAcksPerCycle + 1);
            var process = orep.Start(
                ["db", "stress", "--home", home, "--db", Database, "--start", next.ToString(CultureInfo.InvariantCulture),
                 "--count", KeysPerRun.ToString(CultureInfo.InvariantCulture), .. variant]);
            await ReadAcksAsync(process, target, acked, context);
            orep.Kill(process);
            var verify = cycle == cycles - 1 || random.Next(4) != 0;
            next = verify ? Check(home, acked, context) + 1 : acked.Max() + 1;
        }

        output.WriteLine($"seed {seed}: {cycles} cycles, {acked.Count} keys acked, {clock.Elapsed.TotalSeconds:0.0} s");
        dir.Passed();
    }

    /// <summary>Reads <paramref name="target"/> ack lines, failing clearly if the process dies or stalls first.</summary>
    private static async Task ReadAcksAsync(OrepProcess process, int target, HashSet<long> acked, string context)
    {
        using var deadline = new CancellationTokenSource(ProcessFixture.DefaultTimeout);
        for (var seen = 0; seen < target; seen++)
        {
            string? line;
            try
            {
                line = await process.ReadLineAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{context}: no ack within {ProcessFixture.DefaultTimeout.TotalSeconds} s after {seen} of {target}; stderr:\n{process.Stderr}");
                return;
            }

            if (line is null)
            {
                await process.WaitForExitAsync(deadline.Token);
                Assert.Fail($"{context}: {process.CommandLine} exited with {process.ExitCode} after {seen} of {target} acks; stderr:\n{process.Stderr}");
            }

            if (!line.StartsWith("ack ", StringComparison.Ordinal) || !long.TryParse(line.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                Assert.Fail($"{context}: unexpected stdout line \"{line}\"");
                return;
            }

            acked.Add(index);
        }
    }

    /// <summary>Recovers the home and checks it; returns the highest key index present or acked.</summary>
    private static long Check(string home, HashSet<long> acked, string context)
    {
        var present = new HashSet<long>();
        using (var env = OpenAfterKill(home, context))
        using (var read = env.BeginRead())
        {
            if (!read.TryOpenDatabase(Database, out var db))
            {
                Assert.True(acked.Count == 0, $"{context}: database {Database} is gone but {acked.Count} keys were acked");
                return -1;
            }

            var cursor = read.OpenCursor(db);
            for (var more = cursor.First(); more; more = cursor.Next())
            {
                var key = Encoding.ASCII.GetString(cursor.Key.Span);
                if (key.Length != 11 || key[0] != 'k' || !long.TryParse(key.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    Assert.Fail($"{context}: unexpected key {Convert.ToHexString(cursor.Key.Span)}");
                    return -1;
                }

                var expected = ExpectedValue(key);
                if (!cursor.Value.Span.SequenceEqual(expected))
                {
                    Assert.Fail($"{context}: key {key} holds {cursor.Value.Length} bytes {Convert.ToHexString(cursor.Value.Span)}; expected {Encoding.ASCII.GetString(expected)}");
                }

                present.Add(index);
            }
        }

        var lost = acked.Where(i => !present.Contains(i)).Order().ToList();
        Assert.True(lost.Count == 0,
            $"{context}: {lost.Count} acked keys are missing after recovery, first {string.Join(", ", lost.Take(10).Select(i => $"k{i:D10}"))}");
        return Math.Max(present.Count == 0 ? -1 : present.Max(), acked.Count == 0 ? -1 : acked.Max());
    }

    private static StorageEnvironment OpenAfterKill(string home, string context)
    {
        try
        {
            return StorageEnvironment.Open(home);
        }
        catch (StorageException e)
        {
            Assert.Fail($"{context}: reopening after kill -9 failed: {e}");
            throw;
        }
    }

    /// <summary>The value the stress command writes: the 11-byte key repeated and cut to 100 bytes (written out
    /// independently of the command's own code, so a bug there cannot hide in both).</summary>
    private static byte[] ExpectedValue(string key)
    {
        var text = new StringBuilder();
        while (text.Length < 100)
        {
            text.Append(key);
        }

        return Encoding.ASCII.GetBytes(text.ToString(0, 100));
    }
}
