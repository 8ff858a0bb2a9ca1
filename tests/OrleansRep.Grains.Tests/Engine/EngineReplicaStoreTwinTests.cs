using OrleansRep.Grains.Engine;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Storage;
using OrleansRep.Storage.IO;

namespace OrleansRep.Grains.Tests.Engine;

/// <summary>
/// Seeded random action sequences, as the machine emits them on a client (appends of the master's records, NEWFILE
/// moves, parks and drains, unparks, rollbacks to a commit, flushes, persisted states, checkpoints), plus power losses
/// and bad input, carried out on <see cref="EngineReplicaStore"/> and on its twin <see cref="MemoryReplicaStore"/>:
/// every <see cref="IReplicaStore"/> answer must agree after every step. Each seed is its own test case, so a failure
/// names its seed; <c>OREP_LONG=1</c> runs many more.
/// </summary>
public sealed class EngineReplicaStoreTwinTests
{
    private const int Steps = 400;

    /// <summary>Seeds that once failed: 169 (recovery cut an unfinished transaction back past a durable move to a new
    /// file), 40 (a rollback to the end of the last record, with an empty next file left by a crash).</summary>
    private static readonly int[] RegressionSeeds = [40, 169];

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        var count = Environment.GetEnvironmentVariable("OREP_LONG") == "1" ? 200 : 12;
        for (var seed = 1; seed <= count; seed++)
        {
            data.Add(seed);
        }

        foreach (var seed in RegressionSeeds.Where(s => s > count))
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Engine_and_twin_give_the_same_answers(int seed) => Run(seed, withInit: false);

    /// <summary>The same, with internal inits among the steps (one in the middle of every run, more at random), some
    /// cut by a power loss part way through the chunks.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Engine_and_twin_give_the_same_answers_through_internal_inits(int seed) => Run(seed, withInit: true);

    private static void Run(int seed, bool withInit)
    {
        var random = new Random(seed);
        using var master = new MasterLogSource(seed);
        using var twin = new ReplicaTwin();
        var crashes = 0;
        var inits = 0;
        var recent = new Queue<string>();
        for (var step = 0; step < Steps; step++)
        {
            try
            {
                var (crashed, initialised) = RunStep(seed, step, random, master, twin, recent, withInit);
                crashes += crashed;
                inits += initialised;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException || !e.Message.Contains("recent steps", StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\nrecent steps (oldest first):\n{string.Join("\n", recent)}", e);
            }
        }

        twin.AssertSameLog($"seed {seed}, end");
        twin.Crash(seed);
        twin.AssertSame($"seed {seed}, after the last crash", []);
        twin.AssertSameLog($"seed {seed}, after the last crash");
        twin.AssertSameData(master, $"seed {seed}, after the last crash");
        Assert.True(crashes > 0 && (withInit ? inits > 0 : twin.Memory.Records.Count > 0), $"seed {seed}: the script did too little ({crashes} crashes, {inits} inits, {twin.Memory.Records.Count} records)");
    }

    /// <summary>One random step; returns 1 for a crash, 1 for an internal init. Without <paramref name="withInit"/> no
    /// draw is added to the sequence, so the regression seeds replay what they found.</summary>
    private static (int Crashes, int Inits) RunStep(int seed, int step, Random random, MasterLogSource master, ReplicaTwin twin, Queue<string> recent, bool withInit)
    {
        var crashes = 0;
        var inits = 0;
        {
            var end = twin.Memory.LogEnd;
            var next = master.IndexFrom(end);
            master.EnsureRecords(next + 20);
            var roll = random.Next(100);
            var context = $"seed {seed}, step {step}";
            List<RepAction> actions = [];
            if (withInit && step == Steps / 2)
            {
                roll = 85;
            }

            if (roll < 35)
            {
                actions.AddRange(AppendNext(master, next, end, random));
            }
            else if (roll < 45)
            {
                actions.Add(new ParkRecord(master.Records[next + random.Next(1, 15)]));
            }
            else if (roll < 50)
            {
                var lsn = random.Next(2) == 0 && twin.Memory.LastParked is { } last ? last.Lsn : master.Records[next + random.Next(15)].Lsn;
                actions.Add(new UnparkRecord(lsn));
            }
            else if (roll < 57)
            {
                // The machine's drain: a parked record that now continues the log is appended, then unparked.
                for (var p = twin.Memory.ParkedFrom(end); p is not null && p.Lsn == end; p = twin.Memory.ParkedFrom(end))
                {
                    twin.Carry([new AppendRecords([p]), new UnparkRecord(p.Lsn)], context + " drain");
                    end = twin.Memory.LogEnd;
                }

                actions.Add(new FlushLog());
            }
            else if (roll < 59)
            {
                actions.Add(new ClearParked());
            }
            else if (roll < 70)
            {
                actions.Add(new FlushLog());
            }
            else if (roll < 75)
            {
                actions.Add(new TruncateLog(RollbackPoint(twin, random), []));
            }
            else if (roll < 80)
            {
                actions.Add(new PersistState(RandomRepState.Next(random)));
            }
            else if (roll < 82)
            {
                actions.Add(new Checkpoint(step));
            }
            else if (roll < 85)
            {
                twin.Crash(seed * 1_000 + step, (CrashMode)random.Next(4));
                crashes++;
            }
            else if (withInit && (roll == 85 || step == Steps / 2))
            {
                // Internal init: the master moved on (its log may be archived past this client), the client is emptied
                // and loaded from a snapshot; now and then the power goes in the middle.
                master.EnsureRecords(master.Records.Count + random.Next(5, 60));
                var crashAfter = random.Next(3) == 0 ? random.Next(4) : (int?)null;
                twin.InternalInit(master, step + 1, random, master.Records.Count + random.Next(-3, 3), crashAfter, (CrashMode)random.Next(4), context + $" internal init (crash after {crashAfter?.ToString() ?? "none"})");
                inits++;
            }
            else if (roll < 88)
            {
                // Bad input both refuse: a record at a wrong LSN, a cut past the end.
                var record = master.Records[next];
                RepAction bad = random.Next(2) == 0
                    ? new AppendRecords([record with { Lsn = new Lsn(end.File, end.Offset + 8) }])
                    : new TruncateLog(new Lsn(end.File, end.Offset + 1), []);
                Assert.NotNull(twin.Carry([bad], context + " bad input"));
            }
            else if (roll < 91)
            {
                // A damaged frame or a wrong kind: the engine checks frames (the twin cannot), refuses, changes nothing.
                var record = master.Records[next];
                var frame = record.Frame.ToArray();
                frame[random.Next(frame.Length)] ^= (byte)(1 << random.Next(8));
                var bad = random.Next(2) == 0 ? record with { Frame = frame } : record with { Kind = record.Kind == RecordKind.Commit ? RecordKind.Data : RecordKind.Commit };
                Assert.ThrowsAny<StorageException>(() => twin.Engine.Carry([new AppendRecords([bad with { Lsn = end }])]));
            }
            else
            {
                actions.AddRange(AppendNext(master, next, end, random));
                actions.Add(new ParkRecord(master.Records[next + random.Next(3, 15)]));
                actions.Add(new FlushLog());
            }

            context += $" (roll {roll}: {string.Join("; ", actions.Select(Describe))})";
            if (actions.Count > 0)
            {
                Assert.Null(twin.Carry(actions, context));
            }

            var probes = Enumerable.Range(0, 3).Select(_ => master.Records[random.Next(master.Records.Count)].Lsn)
                .Append(new Lsn(end.File, end.Offset + 5)).Append(Lsn.Max).ToList();
            twin.AssertSame(context, probes);
            if (step % 25 == 0 || roll is >= 82 and < 85)
            {
                twin.AssertSameLog(context);
                twin.AssertSameData(master, context);
            }

            recent.Enqueue($"{context} -> end {twin.Memory.LogEnd}, durable {twin.Memory.Durable}");
            if (recent.Count > 40)
            {
                recent.Dequeue();
            }
        }

        return (crashes, inits);
    }

    private static string Describe(RepAction action) => action switch
    {
        AppendRecords append => $"append {string.Join(", ", append.Records)}",
        TruncateLog truncate => $"truncate to {truncate.To}",
        _ => action.GetType().Name,
    };

    /// <summary>The next master records at the end of the log (1-3 of them), or a NEWFILE move when the next one
    /// starts the next file.</summary>
    private static List<RepAction> AppendNext(MasterLogSource master, int next, Lsn end, Random random)
    {
        var first = master.Records[next];
        if (first.Lsn != end)
        {
            Assert.Equal(LogPositions.StartOfFile(end.File + 1), first.Lsn);
            if (random.Next(2) == 0)
            {
                return [new StartLogFile(first.Lsn.File)];
            }
        }

        var count = random.Next(1, 4);
        return [new AppendRecords(master.Records.Skip(next).Take(count).ToList())];
    }

    /// <summary>Where a new master's verify would cut: just after one of the last few commits, or the start.</summary>
    private static Lsn RollbackPoint(ReplicaTwin twin, Random random)
    {
        // The log's start, when a record starts there (an init's first LSN may be the end of a file whose next record
        // starts the next one: not a record boundary to the twin).
        var start = (twin.Memory.Records.Count > 0 ? twin.Memory.Records[0].Lsn : Lsn.Zero) == twin.LogStart || twin.LogStart == LogPositions.StartOfFile(1) ? [twin.LogStart] : Array.Empty<Lsn>();
        var points = start.Concat(twin.Memory.Records.Where(r => r.IsPerm).Select(LogPositions.After)).TakeLast(6).ToList();
        if (points.Count == 0)
        {
            return twin.Memory.LogEnd;
        }

        return points[random.Next(points.Count)];
    }
}
