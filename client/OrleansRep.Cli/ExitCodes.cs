namespace OrleansRep.Cli;

/// <summary>What <c>orep</c> exits with, so scripts can tell a typo from a broken disk from a damaged environment.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something failed at run time: an I/O error, a locked environment, a failed write.</summary>
    public const int Failure = 1;

    /// <summary>The request was wrong: usage, a missing home, an unknown database, a malformed dump.</summary>
    public const int BadInput = 2;

    /// <summary>The environment is damaged (a <see cref="Storage.CorruptionException"/>): run <c>orep db verify</c>.</summary>
    public const int Corruption = 3;
}
