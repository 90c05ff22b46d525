"""Service health: is each dependency answering?"""
