namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>How many seeded cases to run: a CI budget by default, many more with OREP_LONG=1.</summary>
public static class TestSeeds
{
    public static bool LongMode => Environment.GetEnvironmentVariable("OREP_LONG") == "1";

    /// <summary>The first seed of a run; OREP_SEED moves it, so a long run can explore other seeds.</summary>
    public static int Base(int defaultBase) =>
        int.TryParse(Environment.GetEnvironmentVariable("OREP_SEED"), out var s) ? s : defaultBase;

    public static int Count(int ci, int longMode) => LongMode ? longMode : ci;
}
