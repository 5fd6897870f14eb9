"""Flash sales (秒杀): sessions of chosen SKUs at a flash price, with their own units
(docs/promotions-flash.md)."""
