namespace OrleansRep.Runtime.Core;

/// <summary>On a grain interface method: calls to it may interleave with any other call of the activation.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;
