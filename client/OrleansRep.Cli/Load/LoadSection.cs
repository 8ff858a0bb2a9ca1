namespace OrleansRep.Cli.Load;

/// <summary>One database section of a checked dump: which database it goes into and how much it holds.</summary>
internal sealed record LoadSection(int Number, string Target, long Pairs, long Bytes);
