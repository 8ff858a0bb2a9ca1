using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OrleansRep.Cli.Stress;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Commands;

/// <summary>
/// <c>orep db stress</c>: writes keys <c>k%010d</c> for i in [start, start+count) in transactions of <c>--batch</c>
/// keys, by <c>--concurrency</c> writers that take interleaved batches, and prints <c>ack i</c> on stdout as soon as
/// each commit returns. It is the load the crash tests kill with SIGKILL: every acked key must survive.
/// </summary>
internal static class DbStressCommand
{
    public static Command Create()
    {
        var home = CommonOptions.Home();
        var database = CommonOptions.Database(required: true, "the database to write (created when missing)");
        var count = CommonOptions.AtLeast("--count", 0, "how many keys to write");
        count.Required = true;
        var start = CommonOptions.AtLeast("--start", 0, "index of the first key", defaultValue: 0);
        var sync = new Option<bool>("--sync") { Description = "fsync the log before a commit returns (the default)" };
        var noSync = new Option<bool>("--nosync") { Description = "commit returns once the log is written to the OS, without fsync" };
        var batch = CommonOptions.AtLeast("--batch", 1, "keys per transaction", defaultValue: 1);
        var concurrency = CommonOptions.AtLeast("--concurrency", 1, "concurrent writers (async tasks)", defaultValue: 1);
        var command = new Command("stress", "write numbered keys and acknowledge each on stdout once committed")
        {
            home, database, count, start, sync, noSync, batch, concurrency,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetRequiredValue(home),
            parse.GetRequiredValue(database),
            parse.GetValue(start),
            parse.GetValue(count),
            ChooseDurability(parse.GetValue(sync), parse.GetValue(noSync)),
            parse.GetValue(batch),
            parse.GetValue(concurrency),
            cancellationToken));
        return command;
    }

    // Checks across options live in the action, not in command validators: a validator that reads an option whose own
    // parse failed gets an exception instead of a value.
    private static Durability ChooseDurability(bool sync, bool noSync) => (sync, noSync) switch
    {
        (true, true) => throw new UsageException("--sync and --nosync exclude each other"),
        (_, true) => Durability.NoSync,
        _ => Durability.Sync,
    };

    private static async Task<int> RunAsync(
        string home, string databaseName, int start, int count, Durability durability, int batch, int concurrency, CancellationToken cancellationToken)
    {
        if ((long)start + count > int.MaxValue)
        {
            throw new UsageException($"--start + --count must not exceed {int.MaxValue}");
        }

        using var env = EnvironmentHome.OpenOrCreate(home);
        var database = env.OpenDatabase(databaseName, create: true);
        using var stdout = Console.OpenStandardOutput();
        var acks = new AckWriter(stdout);
        var batches = (count + batch - 1) / batch;
        var clock = Stopwatch.StartNew();

        // Writer w takes batches w, w + C, w + 2C, ...: disjoint, and spread over the whole range as they progress.
        var writers = Enumerable.Range(0, Math.Min(concurrency, Math.Max(batches, 1)))
            .Select(w => Task.Run(() => WriteAsync(env, database, acks, start, start + count, batch, w, concurrency, durability, cancellationToken), cancellationToken))
            .ToArray();
        await Task.WhenAll(writers).ConfigureAwait(false);

        var seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stress: {acks.Acked} keys in {batches} transactions ({durability}, {Math.Min(concurrency, batches)} writers) in {seconds:0.00} s: {acks.Acked / seconds:0} keys/s, {batches / seconds:0} commits/s"));
        return ExitCodes.Success;
    }

    private static async Task WriteAsync(
        StorageEnvironment env, Database database, AckWriter acks, int start, int end, int batch, int writer, int writers, Durability durability,
        CancellationToken cancellationToken)
    {
        for (var from = start + ((long)writer * batch); from < end; from += (long)writers * batch)
        {
            var to = Math.Min(from + batch, end);
            var txn = await env.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                for (var i = from; i < to; i++)
                {
                    txn.Put(database, StressKeys.Key(i), StressKeys.Value(i));
                }

                await txn.CommitAsync(durability, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                txn.Dispose();
            }

            acks.Ack(from, to);
        }
    }
}
