namespace OrleansRep.Runtime.Core;

/// <summary>A reading of <see cref="GrainTypeStatistics"/>: activations now and since the silo started, the type's calls, and its calls per method
/// (methods that were called; two methods of the same name on different interfaces are listed apart).</summary>
public sealed record GrainTypeCounts(string GrainType, long Activations, long ActivationsTotal, GrainCallCounts Calls, IReadOnlyList<GrainCallCounts> Methods);
