using OrleansRep.Storage;

namespace OrleansRep.Cli;

/// <summary>
/// Opens the environment a command's <c>--home</c> names. <see cref="StorageEnvironment.Open"/> creates a home that does
/// not exist, which is right for commands that write (load, stress, shell) but would turn a typo in the path of a
/// read-only command into a new empty environment and a misleading answer; those use <see cref="OpenExisting"/>.
/// </summary>
internal static class EnvironmentHome
{
    /// <summary>The data file every environment has (the engine's PageStore.FileName, which is internal).</summary>
    public const string DataFileName = "orep.db";

    /// <summary>Opens (and so recovers) an environment that must already exist.</summary>
    public static StorageEnvironment OpenExisting(string home)
    {
        CheckPath(home);
        if (!Directory.Exists(home))
        {
            throw new UsageException($"home {home} does not exist");
        }

        if (!File.Exists(Path.Combine(home, DataFileName)))
        {
            throw new UsageException($"{home} is not an orep environment (it has no {DataFileName})");
        }

        return StorageEnvironment.Open(home);
    }

    /// <summary>Opens an environment, creating the directory and an empty environment when there is none.</summary>
    public static StorageEnvironment OpenOrCreate(string home)
    {
        CheckPath(home);
        return StorageEnvironment.Open(home);
    }

    private static void CheckPath(string home)
    {
        if (string.IsNullOrWhiteSpace(home))
        {
            throw new UsageException("--home is empty");
        }

        if (File.Exists(home))
        {
            throw new UsageException($"home {home} is a file, not a directory");
        }
    }
}
