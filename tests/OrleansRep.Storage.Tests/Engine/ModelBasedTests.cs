using OrleansRep.Storage.Tests.Engine.Model;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace OrleansRep.Storage.Tests.Engine;

/// <summary>
/// Seeded random operation sequences checked against an in-memory model (see <see cref="ModelRunner"/>). CI runs
/// 300 sequences in memory and 20 on the real disk; OREP_LONG=1 runs thousands (OREP_SEED moves the first seed).
/// A failure prints the seed and the op index; a seed that found a bug stays below as a regression case.
/// </summary>
public sealed class ModelBasedTests(ITestOutputHelper output)
{
    [Fact]
    public void Random_sequences_in_memory_match_the_model()
    {
        RunSeeds(TestSeeds.Base(1000), TestSeeds.Count(300, 5000), ops: 200, onDisk: false);
    }

    [Fact]
    public void Random_sequences_on_disk_match_the_model()
    {
        RunSeeds(TestSeeds.Base(900_000), TestSeeds.Count(20, 300), ops: 150, onDisk: true);
    }

    [Fact]
    public void Long_sequences_in_memory_match_the_model()
    {
        RunSeeds(TestSeeds.Base(500_000), TestSeeds.Count(10, 200), ops: 1500, onDisk: false);
    }

    /// <summary>Seeds that found bugs: 1012, 1022, 500004 (removing the last child of a branch threw), 500007 (a branch
    /// split by child count overflowed its page).</summary>
    [Theory]
    [InlineData(1012, 200)]
    [InlineData(1022, 200)]
    [InlineData(500004, 1500)]
    [InlineData(500007, 1500)]
    public void Regression_seeds(int seed, int ops)
    {
        var failure = RunOne(seed, ops, onDisk: false);
        Assert.True(failure == null, failure);
    }

    private void RunSeeds(int first, int count, int ops, bool onDisk)
    {
        var failures = new List<string>();
        for (var seed = first; seed < first + count && failures.Count < 3; seed++)
        {
            var failure = RunOne(seed, ops, onDisk);
            if (failure != null)
            {
                failures.Add(failure);
            }
        }

        if (failures.Count > 0)
        {
            throw new XunitException($"{failures.Count} failing seed(s) (stopped after 3):\n\n{string.Join("\n\n", failures)}");
        }

        output.WriteLine($"{count} sequences of {ops} operations from seed {first} matched the model");
    }

    private static string? RunOne(int seed, int ops, bool onDisk)
    {
        var dir = onDisk ? Directory.CreateTempSubdirectory("orep-model-").FullName : null;
        var runner = new ModelRunner(seed, ops, dir);
        try
        {
            runner.Run();
            return null;
        }
        catch (XunitException e)
        {
            return e.Message;
        }
        finally
        {
            runner.Dispose();
            if (dir != null && !runner.Failed)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
