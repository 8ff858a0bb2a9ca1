using System.Globalization;

namespace OrleansRep.Cli.Tests.Support;

/// <summary>
/// Seeds for the tests' random choices: <c>OREP_SEED</c> replays a failure exactly, otherwise each run takes a new one.
/// Tests print the seed in every failure message.
/// </summary>
public static class TestSeed
{
    public const string Variable = "OREP_SEED";

    public static int Next() =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : Random.Shared.Next();

    /// <summary>True when <c>OREP_LONG=1</c> asks for the long modes (thousands of crash cycles).</summary>
    public static bool LongMode => Environment.GetEnvironmentVariable("OREP_LONG") == "1";
}
